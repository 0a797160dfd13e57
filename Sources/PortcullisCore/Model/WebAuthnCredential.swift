import Foundation

/// A registered security key, platform authenticator or passkey (SPEC §3 `webauthn`). Each credential is one factor
/// (label, default, last use live on the factor row); this holds what the ceremonies need.
public struct WebAuthnCredential: Sendable, Equatable {
    /// The credential ID, base64url.
    public var id: String
    public var factorID: String
    public var userID: String
    /// The COSE public key as the authenticator sent it.
    public var publicKey: [UInt8]
    public var algorithm: Int
    public var signCount: UInt32
    public var aaguid: [UInt8]
    public var transports: [String]
    public var backupEligible: Bool
    public var backupState: Bool
    public var createdAt: Date

    public init(id: String, factorID: String, userID: String, publicKey: [UInt8], algorithm: Int, signCount: UInt32, aaguid: [UInt8],
                transports: [String], backupEligible: Bool, backupState: Bool, createdAt: Date) {
        self.id = id
        self.factorID = factorID
        self.userID = userID
        self.publicKey = publicKey
        self.algorithm = algorithm
        self.signCount = signCount
        self.aaguid = aaguid
        self.transports = transports
        self.backupEligible = backupEligible
        self.backupState = backupState
        self.createdAt = createdAt
    }
}

/// What a WebAuthn challenge was issued for; it must be used for the same, by the same session or browser.
public enum WebAuthnPurpose: String, Sendable {
    case registration
    case authentication
    case passkey
}

/// WebAuthn credentials and single-use ceremony challenges.
public protocol WebAuthnRepository: Sendable {
    func insert(_ credential: WebAuthnCredential) async throws
    func find(id: String) async throws -> WebAuthnCredential?
    func find(factorID: String) async throws -> WebAuthnCredential?
    func list(userID: String) async throws -> [WebAuthnCredential]
    /// Stores the new sign count and backup state after a good assertion, only if the stored count is still
    /// `previousSignCount`; false when another use got there first.
    func recordUse(id: String, previousSignCount: UInt32, signCount: UInt32, backupState: Bool) async throws -> Bool
    /// Stores a challenge for `binding` (a session or browser), valid until `expiresAt`.
    func storeChallenge(id: String, challenge: [UInt8], purpose: WebAuthnPurpose, binding: String, userID: String?, expiresAt: Date) async throws
    /// Takes a challenge out (single use): its bytes and user, if it exists for this purpose and binding and is live.
    func takeChallenge(id: String, purpose: WebAuthnPurpose, binding: String, at: Date) async throws -> (challenge: [UInt8], userID: String?)?
    /// Deletes challenges that expired before `date` (housekeeping; an expired challenge is refused anyway).
    func deleteExpiredChallenges(before date: Date) async throws
    /// The user's stable WebAuthn user handle (created on first use).
    func userHandle(userID: String, create: @Sendable () -> String) async throws -> String
    func user(handle: String) async throws -> String?
}
