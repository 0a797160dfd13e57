import Foundation
import PortcullisCrypto

/// Remembered devices (SPEC §2.3, §5): "Remember this device for N days" at the challenge (N from the organization's
/// policy; 0 turns it off), the use of one at the next sign-ins, and forgetting them.
///
/// The browser's cookie holds a random series id and a random counter token (`RememberedDeviceCookie`); the database
/// holds their SHA-256, bound to the user and the organization. Each use replaces the counter in one conditional
/// statement and hands the browser the new one, so a copy of the cookie shows itself the next time either copy is
/// used: a series presented with a counter it no longer holds is taken for a theft (the approach of persistent
/// login cookies, Jaspan 2006): every device of the user is forgotten, their other sessions end, the event is
/// audited and the sign-in goes on to the challenge. A request that raced the rotation with the same cookie (a
/// double submit, two tabs) presents the previous counter within `grace` seconds and is let through without a new
/// cookie; the request that rotated sets it. Like Duo's and Okta's "remember me", the device stands in for the
/// second factor only: the password is always asked, the device's lifetime is fixed when it is remembered (using it
/// does not extend it), and a sign-in through it is recorded as such (`amr` `rmd`, never `mfa`; the session is not
/// marked as having answered a second factor, so a security change still asks for one).
///
/// A device is forgotten when it expires (swept by `Housekeeping`), when its user or an administrator forgets it,
/// when the password is changed or reset, and when a factor is removed (`revokeAll`, in the same transaction).
public struct RememberedDevices: Sendable {
    let repositories: Repositories
    let context: FactorContext
    let audit: AuditLog
    var clock: any WallClock { context.clock }

    /// How long after a rotation the previous counter still passes, as a duplicate of the request that rotated it.
    public static let grace: TimeInterval = 30
    /// The `amr` value of a sign-in whose second factor a remembered device stood in for (not in RFC 8176's registry,
    /// which has none for it; chosen so that no application takes it for a factor).
    public static let amr = "rmd"

    public init(repositories: Repositories, context: FactorContext, audit: AuditLog) {
        self.repositories = repositories
        self.context = context
        self.audit = audit
    }

    /// For how many days the organization remembers a device (0: it does not).
    public func days(organizationID: String) async throws -> Int {
        try await context.forOrganization(id: organizationID).policy.rememberDeviceDays
    }

    // MARK: Remembering and using

    /// Remembers the browser of a sign-in that just answered its challenge: its name from the User-Agent, the
    /// address, and an expiry the policy's days from now. Returns the cookie to set; nil when the organization
    /// remembers no devices.
    func remember(user: User, userAgent: String?, ip: String) async throws -> DeviceCookieChange? {
        let days = try await days(organizationID: user.organizationID)
        guard days > 0 else { return nil }
        let cookie = RememberedDeviceCookie.random(context.random)
        let now = clock.now
        let device = RememberedDevice(id: context.random.identifier(), userID: user.id, organizationID: user.organizationID,
                                      seriesHash: cookie.seriesHash, counterHash: cookie.counterHash, name: DeviceName.from(userAgent: userAgent),
                                      createdIP: ip, createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(days) * 86_400))
        try await repositories.atomically { [audit] r in
            try await r.rememberedDevices.insert(device)
            try await audit.record(.deviceRemembered, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), ip: ip,
                                   detail: .rememberedDevice(id: device.id, name: device.name, until: device.expiresAt), in: r)
        }
        context.notify(.deviceRemembered(device: device.name), userID: user.id)
        return .set(value: cookie.value, expiresAt: device.expiresAt)
    }

    /// What the browser's cookie did for a sign-in whose password was right.
    public enum Use: Sendable, Equatable {
        /// A valid device of this user: the challenge is skipped. `rotated`: this request moved the counter (and
        /// `cookie` sets the new one); false for a duplicate within the grace, which leaves the cookie alone.
        case accepted(RememberedDevice, rotated: Bool, cookie: DeviceCookieChange?)
        /// No cookie, the policy's days are 0, or the cookie names nothing this user may use (unknown, expired,
        /// another account's device on a shared browser): the challenge as usual. `cookie` clears one that names
        /// nothing usable any more.
        case notUsed(cookie: DeviceCookieChange?)
        /// A counter the series no longer holds: every device of the user is forgotten; the cookie is cleared.
        case theftSuspected
    }

    /// Uses the browser's cookie for `user`, whose password was just right; `keepingSession` is the sign-in in
    /// progress, which a theft does not end.
    func use(cookie value: String?, user: User, ip: String, keepingSession: String?) async throws -> Use {
        guard let value, !value.isEmpty, try await days(organizationID: user.organizationID) > 0 else { return .notUsed(cookie: nil) }
        guard let cookie = RememberedDeviceCookie(value: value),
              let device = try await repositories.rememberedDevices.find(seriesHash: cookie.seriesHash) else { return .notUsed(cookie: .clear) }
        // Another account's device (a shared browser): not this user's to use, and no theft.
        guard device.userID == user.id, device.organizationID == user.organizationID else { return .notUsed(cookie: nil) }
        let now = clock.now
        guard device.expiresAt > now else { return .notUsed(cookie: .clear) }
        let next = cookie.rotated(context.random)
        if let rotated = try await repositories.rememberedDevices.rotate(seriesHash: cookie.seriesHash, userID: user.id, from: cookie.counterHash,
                                                                         to: next.counterHash, at: now, ip: ip) {
            return .accepted(rotated, rotated: true, cookie: .set(value: next.value, expiresAt: rotated.expiresAt))
        }
        // Another request rotated it first, or this is an old copy of the cookie.
        guard let current = try await repositories.rememberedDevices.find(seriesHash: cookie.seriesHash), current.userID == user.id,
              current.expiresAt > now else { return .notUsed(cookie: .clear) }
        if let previous = current.previousCounterHash, constantTimeEquals(previous, cookie.counterHash), let rotatedAt = current.rotatedAt,
           now.timeIntervalSince(rotatedAt) <= Self.grace {
            return .accepted(current, rotated: false, cookie: nil)
        }
        try await repositories.atomically { [audit] r in
            let count = try await r.rememberedDevices.deleteAll(userID: user.id)
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: keepingSession)
            try await audit.record(.deviceTheftSuspected, organizationID: user.organizationID, userID: user.id, actor: .user(user.id),
                                   reason: "stale_counter", ip: ip, detail: .devicesRevoked(count: count, deviceID: current.id), in: r)
        }
        return .theftSuspected
    }

    // MARK: The user's list

    /// One of the user's devices, and whether it is the browser asking.
    public struct Listing: Sendable, Equatable {
        public var device: RememberedDevice
        public var isCurrent: Bool
    }

    /// The user's devices that have not expired, newest first, the browser's own (by its cookie) marked.
    public func list(user: User, currentCookie: String?) async throws -> [Listing] {
        let current = currentCookie.flatMap(RememberedDeviceCookie.init(value:))?.seriesHash
        let now = clock.now
        return try await repositories.rememberedDevices.list(userID: user.id).filter { $0.expiresAt > now }
            .map { Listing(device: $0, isCurrent: $0.seriesHash == current) }
    }

    /// What forgetting did: how many devices went, and the cookie to clear when this browser's own was one of them.
    public struct Forgotten: Sendable, Equatable {
        public var count: Int
        public var cookie: DeviceCookieChange?

        public init(count: Int, cookie: DeviceCookieChange? = nil) {
            self.count = count
            self.cookie = cookie
        }
    }

    /// "Forget" on one of the user's devices (nil `deviceID`: "Forget all"), audited.
    public func forget(deviceID: String?, user: User, currentCookie: String?, ip: String) async throws -> Forgotten {
        let current = currentCookie.flatMap(RememberedDeviceCookie.init(value:))?.seriesHash
        let devices = try await repositories.rememberedDevices.list(userID: user.id).filter { deviceID == nil || $0.id == deviceID }
        guard !devices.isEmpty else { return Forgotten(count: 0) }
        let count = try await repositories.atomically { [audit] r in
            let count = if let deviceID { try await r.rememberedDevices.delete(id: deviceID, userID: user.id) ? 1 : 0 }
                else { try await r.rememberedDevices.deleteAll(userID: user.id) }
            if count > 0 {
                try await audit.record(.deviceRevoked, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), reason: "forgotten",
                                       ip: ip, detail: .devicesRevoked(count: count, deviceID: deviceID), in: r)
            }
            return count
        }
        return Forgotten(count: count, cookie: devices.contains { $0.seriesHash == current } ? .clear : nil)
    }

    // MARK: Administrators

    /// A user's devices (expired ones left out) for the admin's user page; the user must be in the scope.
    public func list(of user: User, scope: AdminScope) async throws -> [RememberedDevice] {
        guard scope.covers(user.organizationID) else { throw UserAdministration.UserAdministrationError.notFound }
        let now = clock.now
        return try await repositories.rememberedDevices.list(userID: user.id).filter { $0.expiresAt > now }
    }

    /// "Forget all remembered devices" on the admin's user page (or the admin API, the command line): audited with the
    /// administrator as actor. Returns how many there were.
    @discardableResult
    public func forgetAll(of user: User, scope: AdminScope) async throws -> Int {
        guard scope.covers(user.organizationID) else { throw UserAdministration.UserAdministrationError.notFound }
        return try await repositories.atomically { [audit] r in
            try await Self.revokeAll(userID: user.id, organizationID: user.organizationID, reason: "forgotten", actor: scope.actor, ip: nil,
                                     audit: audit, in: r)
        }
    }

    /// Forgets every device of a user inside the caller's transaction, audited there when there were any: what a
    /// password change or reset (`password_changed`), a removed factor (`factor_removed`) and an administrator do.
    @discardableResult
    static func revokeAll(userID: String, organizationID: String, reason: String, actor: AuditActor, ip: String?, audit: AuditLog,
                          in r: Repositories) async throws -> Int {
        let count = try await r.rememberedDevices.deleteAll(userID: userID)
        if count > 0 {
            try await audit.record(.deviceRevoked, organizationID: organizationID, userID: userID, actor: actor, reason: reason, ip: ip,
                                   detail: .devicesRevoked(count: count), in: r)
        }
        return count
    }
}
