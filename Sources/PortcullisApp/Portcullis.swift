import AsyncHTTPClient
import Foundation
import Logging
import Mustache
import PortcullisCore
import PortcullisCrypto
import PortcullisDelivery
import PortcullisStore

/// The composition root: every service, built once from the configuration over one database, shared by the web
/// server, the command line and the tests. Fronts get services only; the repositories and the database stay in here.
public struct Portcullis: Sendable {
    public let configuration: Configuration
    let database: PortcullisDatabase
    let repositories: Repositories
    let hasher: PasswordHasher
    let audit: AuditLog
    public let clock: any WallClock
    public let random: any RandomSource
    public let methods: FactorMethods
    public let factorContext: FactorContext
    public let directory: Directory
    public let signIn: SignInService
    public let sessions: SessionService
    /// Every sign-in transition, shared by the web pages and the verification API.
    public let flow: SignInFlow
    /// The browsers users chose to remember at the challenge: their settings list and the admin's.
    public let rememberedDevices: RememberedDevices
    public let factors: FactorManagement
    /// The user's own password: policy checks, changes, expiry (SPEC §5).
    public let passwords: PasswordService
    /// "Forgot password" and "Unlock account", and the challenge questions they may ask (SPEC §5).
    public let recovery: AccountRecovery
    public let challengeQuestions: ChallengeQuestions
    public let administration: AccountAdministration
    /// What administrators do to users and groups (admin pages, admin API, command line).
    public let users: UserAdministration
    public let groups: GroupAdministration
    public let inventory: TokenInventory
    public let messageCodes: MessageCodeService
    public let webAuthn: WebAuthnService
    /// The verification API's flow, and the keys its callers authenticate with.
    public let verification: VerificationFlow
    public let apiKeys: APIKeys
    public let housekeeping: Housekeeping
    /// The audit log as administrators read and export it (admin pages, admin API, command line).
    public let auditTrail: AuditTrail
    /// Development mode's outbox for SMS and email (shown at `/dev/outbox`); nil otherwise.
    public let outbox: Outbox?
    /// The Prometheus metrics, fed by the audit log and the password-hash queue (`/metrics`).
    public let metrics: PortcullisMetrics

    /// Wires every service over an open, migrated database. `delivery` replaces the configured SMS and email
    /// providers (tests). Throws when the key-encryption key is missing or malformed (outside development mode).
    public init(configuration: Configuration, database: PortcullisDatabase, clock: any WallClock = SystemClock(),
                random: any RandomSource = SystemRandomSource(), delivery: (any CodeDelivery)? = nil) throws {
        self.configuration = configuration
        self.clock = clock
        self.random = random
        let metrics = PortcullisMetrics()
        self.metrics = metrics
        let database = database.observed(by: metrics)
        self.database = database
        let repositories = Repositories.sql(database, policyDefaults: configuration.policy)
        self.repositories = repositories
        let hasher = PasswordHasher(
            parameters: configuration.hashing.argon2,
            limiter: WorkLimiter(maxConcurrent: configuration.hashing.concurrency, maxQueued: configuration.hashing.queue, observer: metrics),
            random: random)
        self.hasher = hasher
        self.methods = .forPolicy(configuration.policy)
        let audit = AuditLog(repository: repositories.audit, clock: clock, random: random, observer: metrics)
        self.audit = audit
        let outbox = configuration.server.development ? Outbox() : nil
        self.outbox = outbox
        let messages = try Self.messageChannels(configuration, outbox: outbox)
        let context = FactorContext(clock: clock, random: random, secrets: try configuration.secretBox(), hasher: hasher,
                                    repositories: repositories, policy: configuration.policy,
                                    notifier: SecurityMessages(sms: messages.sms, email: messages.email, emailFrom: messages.from,
                                                               templates: messages.templates, logger: Logger(label: "portcullis.notices")))
        self.factorContext = context
        self.directory = Directory(repositories: repositories)
        self.signIn = SignInService(repositories: repositories, hasher: hasher, methods: methods, factorContext: context, audit: audit)
        self.sessions = SessionService(repository: repositories.sessions, clock: clock, random: random, secrets: context.secrets,
                                       timeouts: configuration.sessions)
        self.flow = SignInFlow(checks: signIn, sessions: sessions)
        self.rememberedDevices = flow.devices
        self.passwords = PasswordService(repositories: repositories, hasher: hasher, checker: PasswordChecker(blocklist: .shipped),
                                         context: context, audit: audit, sessions: sessions, checks: signIn)
        self.factors = FactorManagement(repositories: repositories, methods: methods, context: context, audit: audit)
        self.administration = AccountAdministration(repositories: repositories, hasher: hasher, clock: clock, random: random, audit: audit,
                                                    defaults: configuration.policy)
        self.groups = GroupAdministration(repositories: repositories, clock: clock, random: random, audit: audit)
        self.inventory = TokenInventory(context: context, audit: audit)
        self.users = UserAdministration(repositories: repositories, context: context, audit: audit, accounts: administration,
                                        factors: factors, inventory: inventory)
        self.webAuthn = WebAuthnService(context: context, audit: audit, factors: factors)
        let codes = CodeMessages(sms: messages.sms, email: messages.email, emailFrom: messages.from, templates: messages.templates,
                                 logger: Logger(label: "portcullis.delivery"))
        self.messageCodes = MessageCodeService(context: context, delivery: delivery ?? codes, audit: audit)
        self.verification = VerificationFlow(checks: signIn, messageCodes: messageCodes)
        let questions = ChallengeQuestions(repositories: repositories, context: context, audit: audit)
        self.challengeQuestions = questions
        self.recovery = AccountRecovery(repositories: repositories, context: context, methods: methods, audit: audit, passwords: passwords,
                                        questions: questions, messageCodes: messageCodes, checks: signIn)
        self.apiKeys = APIKeys(repositories: repositories, clock: clock, random: random, audit: audit)
        self.housekeeping = Housekeeping(repositories: repositories, clock: clock, inventory: inventory, sessions: sessions)
        self.auditTrail = AuditTrail(repositories: repositories, audit: audit)
    }

    /// Whether the database answers (`/readyz`).
    public func isReady() async -> Bool {
        await database.ping() && passwords.checker.blocklist.count > 0
    }

    /// The configured SMS and email providers (or development mode's outbox), the sender, and the wording's templates,
    /// shared by codes and security notices.
    static func messageChannels(_ configuration: Configuration, outbox: Outbox?) throws
        -> (sms: (any SMSProvider)?, email: (any EmailProvider)?, from: String, templates: MustacheLibrary) {
        let logger = Logger(label: "portcullis.delivery")
        var sms: (any SMSProvider)? = outbox.map { OutboxSMSProvider(outbox: $0) }
        if let settings = configuration.sms {
            guard let provider = settings.makeProvider(outbox: outbox, httpClient: .shared) else {
                throw ConfigurationError.developmentOnly("PORTCULLIS_SMS_PROVIDER=outbox")
            }
            sms = provider
        }
        var email: (any EmailProvider)? = outbox.map { OutboxEmailProvider(outbox: $0) }
        if let smtp = configuration.smtp {
            email = try SMTPEmailProvider(configuration: smtp, logger: logger)
        }
        return (sms, email, configuration.smtp?.from ?? "Portcullis <no-reply@localhost>", try messageTemplates())
    }

    /// The SMS and email wording, from `MessageTemplates/`.
    static func messageTemplates() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        guard let root = Bundle.module.resourcePath.map({ $0 + "/MessageTemplates" }) else { return library }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasSuffix(".mustache") {
            let text = try String(contentsOfFile: root + "/" + name, encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        return library
    }
}

extension Portcullis: CustomStringConvertible {
    public var description: String { "Portcullis(\(configuration))" }
}
