import PortcullisCore

extension Repositories {
    /// Every repository over one database (SQLite or PostgreSQL, the same code). `policyDefaults` fills the settings
    /// an organization never saved (`OrganizationPolicy`).
    public static func sql(_ database: PortcullisDatabase, policyDefaults: SecurityPolicy = SecurityPolicy()) -> Repositories {
        Repositories(
            organizations: SQLOrganizationRepository(db: database, defaults: policyDefaults),
            users: SQLUserRepository(db: database),
            factors: SQLFactorRepository(db: database),
            sessions: SQLSessionRepository(db: database),
            audit: SQLAuditRepository(db: database),
            rateLimits: SQLRateLimitRepository(db: database),
            tokens: SQLTokenRepository(db: database),
            challenges: SQLMessageChallengeRepository(db: database),
            webAuthn: SQLWebAuthnRepository(db: database),
            transactions: SQLVerificationRepository(db: database),
            apiKeys: SQLAPIKeyRepository(db: database, defaults: policyDefaults),
            groups: SQLGroupRepository(db: database),
            recoveries: SQLRecoveryRepository(db: database),
            challengeAnswers: SQLChallengeAnswerRepository(db: database),
            rememberedDevices: SQLRememberedDeviceRepository(db: database),
            knownBrowsers: SQLKnownBrowserRepository(db: database),
            unitOfWork: SQLUnitOfWork(db: database, defaults: policyDefaults))
    }
}

/// Transactions over the SQL repositories: the body gets repositories bound to the transaction's one connection.
struct SQLUnitOfWork: UnitOfWork {
    let db: PortcullisDatabase
    let defaults: SecurityPolicy

    func transaction<T: Sendable>(_ body: @escaping @Sendable (Repositories) async throws -> T) async throws -> T {
        try await db.transaction { connection in
            try await body(Repositories.sql(PortcullisDatabase(engine: db.engine, sql: connection, inTransaction: true) {}, policyDefaults: defaults))
        }
    }
}
