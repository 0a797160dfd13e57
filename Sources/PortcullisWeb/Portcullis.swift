import Foundation
import PortcullisCore
import PortcullisStore

/// The assembled services over one database: what the web application and the command line share.
public struct Portcullis: Sendable {
    public let configuration: Configuration
    public let database: PortcullisDatabase
    public let repositories: Repositories
    public let clock: any WallClock
    public let random: any RandomSource
    public let hasher: PasswordHasher
    public let methods: FactorMethods
    public let factorContext: FactorContext
    public let audit: AuditLog
    public let signIn: SignInService
    public let sessions: SessionService
    public let factors: FactorManagement
    public let administration: AccountAdministration

    /// Wires every service. Throws when the key-encryption key is missing or malformed (outside development mode).
    public init(configuration: Configuration, database: PortcullisDatabase, clock: any WallClock = SystemClock(),
                random: any RandomSource = SystemRandomSource()) throws {
        self.configuration = configuration
        self.database = database
        self.clock = clock
        self.random = random
        let repositories = Repositories.sql(database)
        self.repositories = repositories
        let hasher = PasswordHasher(
            parameters: configuration.argon2,
            limiter: WorkLimiter(maxConcurrent: configuration.hashConcurrency, maxQueued: configuration.hashQueue),
            random: random)
        self.hasher = hasher
        self.methods = .standard
        let audit = AuditLog(repository: repositories.audit, clock: clock, random: random)
        self.audit = audit
        let context = FactorContext(clock: clock, random: random, secrets: try configuration.secretBox(), hasher: hasher,
                                    factors: repositories.factors, policy: configuration.policy)
        self.factorContext = context
        self.signIn = SignInService(repositories: repositories, hasher: hasher, methods: methods, factorContext: context, audit: audit)
        self.sessions = SessionService(repository: repositories.sessions, clock: clock, random: random, timeouts: configuration.sessions)
        self.factors = FactorManagement(repositories: repositories, methods: methods, context: context, audit: audit)
        self.administration = AccountAdministration(repositories: repositories, hasher: hasher, clock: clock, random: random, audit: audit)
    }
}

extension Portcullis: CustomStringConvertible {
    public var description: String { "Portcullis(\(configuration))" }
}
