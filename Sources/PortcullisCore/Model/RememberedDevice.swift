import Foundation

/// A browser a user chose to remember at the challenge ("Remember this device for N days", SPEC §2.3): while it
/// lasts, a right password on it skips the second factor. The browser holds a cookie with a random series id and a
/// random counter token (`RememberedDeviceCookie`); only their SHA-256 hashes are stored, so a copy of the table
/// remembers nobody. The counter is replaced at every use (`RememberedDeviceRepository.rotate`), so a copied cookie
/// shows itself the next time either copy is used (`RememberedDevices`).
public struct RememberedDevice: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var organizationID: String
    /// SHA-256 (hex) of the cookie's series id: unique, stays for the device's life.
    public var seriesHash: String
    /// SHA-256 (hex) of the cookie's current counter token.
    public var counterHash: String
    /// The counter before the last rotation, and when it was replaced: a request that raced the rotation with the
    /// same cookie (a double submit, two tabs) is told apart from a stolen copy for a short grace.
    public var previousCounterHash: String?
    public var rotatedAt: Date?
    /// What the device is called in lists ("Chrome on Linux"), from the User-Agent it was remembered with; the raw
    /// User-Agent is not kept.
    public var name: String
    /// The client address when it was remembered, and at its last use (SPEC §5 shows it as the approximate place).
    public var createdIP: String?
    public var lastUsedIP: String?
    public var createdAt: Date
    /// The last sign-in through it; nil until one.
    public var lastUsedAt: Date?
    /// Fixed when remembered (N days later); using the device does not extend it.
    public var expiresAt: Date

    public init(id: String, userID: String, organizationID: String, seriesHash: String, counterHash: String,
                previousCounterHash: String? = nil, rotatedAt: Date? = nil, name: String, createdIP: String?, lastUsedIP: String? = nil,
                createdAt: Date, lastUsedAt: Date? = nil, expiresAt: Date) {
        self.id = id
        self.userID = userID
        self.organizationID = organizationID
        self.seriesHash = seriesHash
        self.counterHash = counterHash
        self.previousCounterHash = previousCounterHash
        self.rotatedAt = rotatedAt
        self.name = name
        self.createdIP = createdIP
        self.lastUsedIP = lastUsedIP
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }
}

/// Storage for remembered devices. The rotation is one conditional statement, so however many requests present one
/// cookie at once, on however many nodes, exactly one of them moves the counter.
public protocol RememberedDeviceRepository: Sendable {
    func insert(_ device: RememberedDevice) async throws
    /// The device with this series (expired or not), or nil.
    func find(seriesHash: String) async throws -> RememberedDevice?
    /// Replaces the counter `from` by `to` (keeping `from` as the previous one, with `at` as the rotation time and
    /// the last use from `ip`) only while the series still holds `from`, belongs to `userID` and has not expired at
    /// `at`; returns the device as it is now, or nil when another request rotated it first (or it is gone).
    func rotate(seriesHash: String, userID: String, from counterHash: String, to newCounterHash: String, at: Date, ip: String) async throws -> RememberedDevice?
    /// A user's devices, newest first.
    func list(userID: String) async throws -> [RememberedDevice]
    /// Forgets one of a user's devices; false when it was not theirs (or already gone).
    func delete(id: String, userID: String) async throws -> Bool
    /// Forgets every device of a user; returns how many there were.
    @discardableResult
    func deleteAll(userID: String) async throws -> Int
    /// Sweeps devices that expired before `before`; returns how many.
    @discardableResult
    func deleteExpired(before: Date) async throws -> Int
}
