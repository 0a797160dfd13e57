import Foundation
import PortcullisCrypto
import PortcullisWebAuthn

/// The WebAuthn ceremonies around the verifier: single-use challenges bound to a session (or, for passkey sign-in, to
/// the browser), registration of new credentials, and finding the credential a passkey assertion names. Using a
/// credential goes through `SignInService.verifyFactor` like every other factor, so failures count toward the lockout.
public struct WebAuthnService: Sendable {
    let context: FactorContext
    let audit: AuditLog
    let factors: FactorManagement
    /// How long a ceremony may take, from options to answer (the browser's own timeout is 2 minutes).
    public static let challengeLifetime: TimeInterval = 300
    /// The browser's timeout, in milliseconds, for `publicKey.timeout`.
    public static let ceremonyTimeout = 120_000

    public init(context: FactorContext, audit: AuditLog, factors: FactorManagement) {
        self.context = context
        self.audit = audit
        self.factors = factors
    }

    var repository: any WebAuthnRepository { context.repositories.webAuthn }
    var policy: SecurityPolicy { context.policy }

    /// Whether this user's organization requires user verification (a fingerprint or PIN) at the key.
    private func requiresUserVerification(_ user: User) async throws -> Bool {
        try await context.forOrganization(id: user.organizationID).policy.webAuthnRequireUserVerification
    }

    /// The relying party from `PORTCULLIS_BASE_URL`; nil when that URL cannot be one.
    public var relyingParty: WebAuthnRelyingParty? { policy.relyingParty }

    /// A credential to name in `excludeCredentials` or `allowCredentials`.
    public struct CredentialDescriptor: Sendable, Equatable {
        public var id: String
        public var transports: [String]
    }

    /// What `navigator.credentials.create()` needs.
    public struct CreationOptions: Sendable {
        public var challengeID: String
        public var challenge: [UInt8]
        public var userHandle: String
        public var userName: String
        public var displayName: String
        public var exclude: [CredentialDescriptor]
        public var requireUserVerification: Bool
    }

    /// What `navigator.credentials.get()` needs.
    public struct RequestOptions: Sendable {
        public var challengeID: String
        public var challenge: [UInt8]
        public var allow: [CredentialDescriptor]
        public var requireUserVerification: Bool
    }

    /// Options to register a new credential for `user`, excluding the ones they already have.
    public func creationOptions(user: User, binding: String) async throws -> CreationOptions {
        let random = context.random
        let handle = try await repository.userHandle(userID: user.id) { random.token() }
        let exclude = try await repository.list(userID: user.id).map { CredentialDescriptor(id: $0.id, transports: $0.transports) }
        let (id, challenge) = try await issue(.registration, binding: binding, userID: user.id)
        return CreationOptions(challengeID: id, challenge: challenge, userHandle: handle, userName: user.username,
                               displayName: user.displayName, exclude: exclude,
                               requireUserVerification: try await requiresUserVerification(user))
    }

    /// Options to use the credential behind one of the user's factors; nil when that factor has no credential.
    public func authenticationOptions(user: User, factorID: String, binding: String) async throws -> RequestOptions? {
        guard let credential = try await repository.find(factorID: factorID), credential.userID == user.id else { return nil }
        let (id, challenge) = try await issue(.authentication, binding: binding, userID: user.id)
        return RequestOptions(challengeID: id, challenge: challenge,
                              allow: [CredentialDescriptor(id: credential.id, transports: credential.transports)],
                              requireUserVerification: try await requiresUserVerification(user))
    }

    /// Options for a recovery's security-key step: every credential of the account, or for a name that is no account
    /// a stand-in credential derived from `decoy`, the same each time, so that the answer does not tell them apart.
    public func recoveryOptions(userID: String?, decoy: String?, organizationID: String, binding: String) async throws -> RequestOptions {
        var allow = [CredentialDescriptor]()
        if let userID {
            allow = try await repository.list(userID: userID).map { CredentialDescriptor(id: $0.id, transports: $0.transports) }
        }
        if allow.isEmpty { allow = [CredentialDescriptor(id: decoy ?? Base64URL.encode(context.random.bytes(32)), transports: ["usb"])] }
        let (id, challenge) = try await issue(.authentication, binding: binding, userID: userID)
        let policy = try await context.forOrganization(id: organizationID).policy
        return RequestOptions(challengeID: id, challenge: challenge, allow: allow, requireUserVerification: policy.webAuthnRequireUserVerification)
    }

    /// Options for passkey sign-in: any discoverable credential, user verification required.
    public func passkeyOptions(binding: String) async throws -> RequestOptions {
        let (id, challenge) = try await issue(.passkey, binding: binding, userID: nil)
        return RequestOptions(challengeID: id, challenge: challenge, allow: [], requireUserVerification: true)
    }

    private func issue(_ purpose: WebAuthnPurpose, binding: String, userID: String?) async throws -> (String, [UInt8]) {
        let id = context.random.token(byteCount: 16)
        let challenge = context.random.bytes(32)
        try await repository.storeChallenge(id: id, challenge: challenge, purpose: purpose, binding: binding, userID: userID,
                                            expiresAt: context.clock.now.addingTimeInterval(Self.challengeLifetime))
        return (id, challenge)
    }

    /// Takes a challenge out for use: nil when unknown, already used, expired, or issued to another session, browser
    /// or purpose.
    public func takeChallenge(id: String, purpose: WebAuthnPurpose, binding: String) async throws -> (challenge: [UInt8], userID: String?)? {
        guard !id.isEmpty, id.count <= 64 else { return nil }
        return try await repository.takeChallenge(id: id, purpose: purpose, binding: binding, at: context.clock.now)
    }

    public enum RegistrationOutcome: Sendable, Equatable {
        /// Registered; `backupCodes` holds a freshly issued list to show once when this was the user's first factor.
        case registered(Factor, backupCodes: [String]?)
        /// Refused, and why.
        case refused(WebAuthnRegistrationProblem)
    }

    /// Registers a credential from `navigator.credentials.create()` as a new, confirmed factor (the ceremony proved
    /// the authenticator holds the key, as a correct code does for other types).
    public func register(user: User, binding: String, challengeID: String, label: String?, responseJSON: String, ip: String) async throws -> RegistrationOutcome {
        guard let taken = try await takeChallenge(id: challengeID, purpose: .registration, binding: binding), taken.userID == user.id else {
            return .refused(.expired)
        }
        guard let response = WebAuthnRegistrationResponse.decode(responseJSON),
              let clientData = Base64URL.decode(response.response.clientDataJSON),
              let attestation = Base64URL.decode(response.response.attestationObject) else {
            return .refused(.unreadable)
        }
        guard let relyingParty else { return .refused(.notConfigured) }
        let registration: WebAuthnRegistration
        let requireUV = try await requiresUserVerification(user)
        do {
            registration = try WebAuthn.verifyRegistration(clientDataJSON: clientData, attestationObject: attestation,
                                                           expectedChallenge: taken.challenge, relyingParty: relyingParty,
                                                           requireUserVerification: requireUV)
        } catch let error as WebAuthnError {
            try await audit.record(.factorFailed, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), reason: "webauthn_registration", ip: ip,
                                   detail: .factor(.registrationFailed(type: .webauthn, error.description)))
            return .refused(.rejected(error.description))
        }
        let credentialID = Base64URL.encode(registration.credentialID)
        guard try await repository.find(id: credentialID) == nil else { return .refused(.alreadyRegistered) }
        let factor = Factor(id: context.random.identifier(), userID: user.id, type: .webauthn,
                            label: FactorManagement.cleanLabel(label) ?? "Security key", confirmed: true, createdAt: context.clock.now)
        let credential = credentialRow(factor: factor, credentialID: credentialID, registration: registration, transports: response.response.transports ?? [])
        let record = EnrollmentCompletion.Record(actor: .user(user.id), ip: ip,
                                                 detail: .factor(.registered(factor, attestation: registration.attestationFormat, userVerified: registration.userVerified)))
        let registered: Factor, codes: [String]?
        do {
            (registered, codes) = try await factors.completion.complete(factor, user: user, record: record) { r in
                try await r.factors.insert(factor)
                try await r.webAuthn.insert(credential)
            }
        } catch {
            // The same key registered by a racing request: its credential row exists now, and nothing of ours was stored.
            guard try await repository.find(id: credentialID) != nil else { throw error }
            return .refused(.alreadyRegistered)
        }
        return .registered(registered, backupCodes: codes)
    }

    private func credentialRow(factor: Factor, credentialID: String, registration: WebAuthnRegistration, transports: [String]) -> WebAuthnCredential {
        WebAuthnCredential(
            id: credentialID, factorID: factor.id, userID: factor.userID, publicKey: registration.publicKey, algorithm: registration.algorithm,
            signCount: registration.signCount, aaguid: registration.aaguid,
            transports: Array(transports.filter { $0.count <= 16 && !$0.contains(" ") }.prefix(8)),
            backupEligible: registration.backupEligible, backupState: registration.backupState, createdAt: context.clock.now)
    }

    /// The user and factor a passkey assertion names: its credential ID must be registered, and the user handle, when
    /// the authenticator returns one, must be that credential's owner. Nil otherwise.
    public func passkeyOwner(of assertion: WebAuthnAssertionResponse) async throws -> (User, Factor)? {
        guard assertion.id.count <= 1400, let credential = try await repository.find(id: assertion.id),
              let user = try await context.repositories.users.find(id: credential.userID), !user.disabled,
              let factor = try await context.factors.find(id: credential.factorID, userID: user.id), factor.confirmed else { return nil }
        if let handle = assertion.response.userHandle, !handle.isEmpty {
            guard let owner = try await repository.user(handle: handle), owner == user.id else { return nil }
        }
        return (user, factor)
    }
}
