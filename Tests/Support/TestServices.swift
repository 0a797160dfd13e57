import Foundation
import PortcullisApp
import PortcullisCore
import PortcullisCrypto
import PortcullisStore

/// The composition root (`Portcullis`) over a test database with a manual clock and a recording code delivery: what
/// service-level tests exercise. The services are the application's own, wired once there; the repositories are
/// here only for the tests' assertions.
public struct TestServices: Sendable {
    public let app: Portcullis
    public let database: PortcullisDatabase
    public let repositories: Repositories
    public let clock: ManualClock
    public var context: FactorContext { app.factorContext }
    public var secrets: SecretBox { app.factorContext.secrets }
    public var signIn: SignInService { app.signIn }
    public var sessions: SessionService { app.sessions }
    public var flow: SignInFlow { app.flow }
    public var factors: FactorManagement { app.factors }
    public var administration: AccountAdministration { app.administration }
    public var inventory: TokenInventory { app.inventory }
    public var messages: MessageCodeService { app.messageCodes }
    /// Every code "sent", as the delivery boundary saw it.
    public let sent: SentCodes

    public init(database: PortcullisDatabase, policy: SecurityPolicy = SecurityPolicy(), hashConcurrency: Int = 2, hashQueue: Int = 64) throws {
        self.database = database
        self.repositories = Repositories.sql(database)
        var configuration = Configuration()
        configuration.keys.key = SecretBox.generateKey()
        configuration.policy = policy
        configuration.hashing.concurrency = hashConcurrency
        configuration.hashing.queue = hashQueue
        let clock = ManualClock()
        self.clock = clock
        let sent = SentCodes()
        self.sent = sent
        self.app = try Portcullis(configuration: configuration, database: database, clock: clock, delivery: sent)
    }

    /// An organization and a user with a known password.
    public func makeUser(_ username: String = "alice", password: String = "correct horse battery", mfaRequired: Bool = false) async throws -> (Organization, User) {
        let organization: Organization
        if let existing = try await repositories.organizations.find(slug: "acme") {
            organization = existing
        } else {
            organization = try await administration.createOrganization(slug: "acme", name: "Acme", actor: .cli)
        }
        let user = try await administration.createUser(organization: organization, username: username, displayName: "Alice Example",
                                                       password: password, mfaRequired: mfaRequired, actor: .cli)
        return (organization, user)
    }

    /// Enrolls and confirms an authenticator app for `user`; returns its secret and the backup codes issued.
    public func enrollTOTP(_ user: User) async throws -> (factor: Factor, secret: [UInt8], codes: [String]) {
        let enrollment = try await TOTPFactor().beginEnrollment(userID: user.id, label: "Phone", context: context)
        let code = OneTimePassword.totp(secret: enrollment.secret, at: clock.now)
        guard case .confirmed(let factor, let codes) = try await factors.confirm(
            userID: user.id, factorID: enrollment.factor.id, response: FactorResponse.code(code), label: nil, ip: "192.0.2.1")
        else { throw TestServicesError.enrollmentFailed }
        return (factor, enrollment.secret, codes ?? [])
    }

    public enum TestServicesError: Error { case enrollmentFailed }
}

/// A code delivery that records what it would send (or fails, when told to): the boundary where a real SMS gateway
/// or mail server sits, which the delivery suite and the browser tests exercise for real.
public final class SentCodes: CodeDelivery, @unchecked Sendable {
    public struct Sent: Sendable, Equatable {
        public var channel: MessageChannel
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

    public func deliver(_ type: MessageChannel, to destination: String, code: String, purpose: CodePurpose, organization: Organization) async throws {
        let failing = lock.withLock { self.failing }
        if failing { throw CodeDeliveryFailure(.providerUnavailable, detail: "test outage") }
        lock.withLock { items.append(Sent(channel: type, destination: destination, code: code)) }
    }
}
