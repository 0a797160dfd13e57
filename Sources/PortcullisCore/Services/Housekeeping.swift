import Foundation

/// What every node sweeps now and then: lent tokens that fell due go back to the pool; expired sessions, message
/// codes, WebAuthn challenges, recoveries and remembered devices, and enrollments left unconfirmed for an hour, are deleted. Each is also enforced
/// where it matters (a due token or an expired session is refused on use), so a missed run is harmless; the
/// statements are idempotent, so nodes may run them at the same time.
public struct Housekeeping: Sendable {
    let repositories: Repositories
    let clock: any WallClock
    let inventory: TokenInventory
    let sessions: SessionService

    public init(repositories: Repositories, clock: any WallClock, inventory: TokenInventory, sessions: SessionService) {
        self.repositories = repositories
        self.clock = clock
        self.inventory = inventory
        self.sessions = sessions
    }

    /// One sweep; returns how many lent tokens went back.
    @discardableResult
    public func sweep() async throws -> Int {
        let returned = try await inventory.returnDueLoans()
        try await sessions.purgeExpired()
        let now = clock.now
        try await repositories.challenges.deleteExpired(before: now.addingTimeInterval(-3600))
        try await repositories.webAuthn.deleteExpiredChallenges(before: now)
        try await repositories.factors.deleteUnconfirmed(createdBefore: now.addingTimeInterval(-3600))
        try await repositories.recoveries.deleteExpired(before: now)
        try await repositories.rememberedDevices.deleteExpired(before: now)
        return returned
    }
}
