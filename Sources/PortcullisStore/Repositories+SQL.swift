import PortcullisCore

extension Repositories {
    /// Every repository over one database (SQLite or PostgreSQL, the same code).
    public static func sql(_ database: PortcullisDatabase) -> Repositories {
        Repositories(
            organizations: SQLOrganizationRepository(db: database),
            users: SQLUserRepository(db: database),
            factors: SQLFactorRepository(db: database),
            sessions: SQLSessionRepository(db: database),
            audit: SQLAuditRepository(db: database),
            rateLimits: SQLRateLimitRepository(db: database),
            tokens: SQLTokenRepository(db: database),
            challenges: SQLMessageChallengeRepository(db: database),
            webAuthn: SQLWebAuthnRepository(db: database),
            transactions: SQLVerificationRepository(db: database),
            apiKeys: SQLAPIKeyRepository(db: database))
    }
}
