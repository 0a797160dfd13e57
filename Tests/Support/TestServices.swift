import Foundation
import PortcullisCore
import PortcullisStore

/// The domain services over a test database with a manual clock: what service-level tests exercise.
public struct TestServices: Sendable {
    public let database: PortcullisDatabase
    public let repositories: Repositories
    public let clock: ManualClock
    public let hasher: PasswordHasher
    public let context: FactorContext
    public let audit: AuditLog
    public let signIn: SignInService
    public let sessions: SessionService
    public let flow: SignInFlow
    public let factors: FactorManagement
    public let administration: AccountAdministration
    public let secrets: SecretBox
    public let inventory: TokenInventory
    public let messages: MessageCodeService
    /// Every code "sent", as the delivery boundary saw it.
    public let sent: SentCodes

    public init(database: PortcullisDatabase, policy: SecurityPolicy = SecurityPolicy(), hashConcurrency: Int = 2, hashQueue: Int = 64) throws {
        self.database = database
        let repositories = Repositories.sql(database)
        self.repositories = repositories
        let clock = ManualClock()
        self.clock = clock
        let random = SystemRandomSource()
        let hasher = PasswordHasher(limiter: WorkLimiter(maxConcurrent: hashConcurrency, maxQueued: hashQueue), random: random)
        self.hasher = hasher
        let secrets = SecretBox(current: try SecretBox.Key(bytes: random.bytes(32)))
        self.secrets = secrets
        let context = FactorContext(clock: clock, random: random, secrets: secrets, hasher: hasher, repositories: repositories, policy: policy)
        self.context = context
        let audit = AuditLog(repository: repositories.audit, clock: clock, random: random)
        self.audit = audit
        self.signIn = SignInService(repositories: repositories, hasher: hasher, methods: .standard, factorContext: context, audit: audit)
        self.sessions = SessionService(repository: repositories.sessions, clock: clock, random: random, secrets: secrets, timeouts: .init())
        self.flow = SignInFlow(checks: signIn, sessions: sessions)
        self.factors = FactorManagement(repositories: repositories, methods: .standard, context: context, audit: audit)
        self.administration = AccountAdministration(repositories: repositories, hasher: hasher, clock: clock, random: random, audit: audit)
        self.inventory = TokenInventory(context: context, audit: audit)
        let sent = SentCodes()
        self.sent = sent
        self.messages = MessageCodeService(context: context, delivery: sent, audit: audit)
    }

    /// An organization and a user with a known password.
    public func makeUser(_ username: String = "alice", password: String = "correct horse battery", mfaRequired: Bool = false) async throws -> (Organization, User) {
        let organization: Organization
        if let existing = try await repositories.organizations.find(slug: "acme") {
            organization = existing
        } else {
            organization = try await administration.createOrganization(slug: "acme", name: "Acme", actor: "test")
        }
        let user = try await administration.createUser(organization: organization, username: username, displayName: "Alice Example",
                                                       password: password, mfaRequired: mfaRequired, actor: "test")
        return (organization, user)
    }

    /// Enrolls and confirms an authenticator app for `user`; returns its secret and the backup codes issued.
    public func enrollTOTP(_ user: User) async throws -> (factor: Factor, secret: [UInt8], codes: [String]) {
        let enrollment = try await TOTPFactor().beginEnrollment(userID: user.id, label: "Phone", context: context)
        let code = OneTimePassword.totp(secret: enrollment.secret, at: clock.now)
        guard case .confirmed(let factor, let codes) = try await factors.confirm(
            userID: user.id, factorID: enrollment.factor.id, response: FactorResponse(code: code), label: nil, ip: "192.0.2.1")
        else { throw TestServicesError.enrollmentFailed }
        return (factor, enrollment.secret, codes ?? [])
    }

    public enum TestServicesError: Error { case enrollmentFailed }
}

/// A code delivery that records what it would send (or fails, when told to): the boundary where a real SMS gateway
/// or mail server sits, which the delivery suite and the browser tests exercise for real.
public final class SentCodes: CodeDelivery, @unchecked Sendable {
    public struct Sent: Sendable, Equatable {
        public var channel: FactorType
        public var destination: String
        public var code: String
    }

    private let lock = NSLock()
    private var items: [Sent] = []
    private var failing = false

    public init() {}

    public var all: [Sent] { lock.withLock { items } }
    public var last: Sent? { lock.withLock { items.last } }

    public func fail(_ on: Bool) { lock.withLock { failing = on } }

    public func deliver(_ type: FactorType, to destination: String, code: String, purpose: CodePurpose, organization: Organization) async throws {
        let failing = lock.withLock { self.failing }
        if failing { throw CodeDeliveryFailure(userMessage: "The code could not be sent right now.", detail: "test outage") }
        lock.withLock { items.append(Sent(channel: type, destination: destination, code: code)) }
    }
}
