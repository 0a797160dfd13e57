import Foundation

/// Writes audit events with the injected clock and ids, each with its actor. A change and its event go into one
/// transaction (`in:` the repositories bound to it); sign-in attempts, which are events rather than changes, are
/// appended right after the one atomic statement they report.
public struct AuditLog: Sendable {
    let repository: any AuditRepository
    let clock: any WallClock
    let random: any RandomSource

    public init(repository: any AuditRepository, clock: any WallClock, random: any RandomSource) {
        self.repository = repository
        self.clock = clock
        self.random = random
    }

    /// Appends one event; with `transaction`, inside that transaction.
    public func record(_ type: AuditEventType, organizationID: String?, userID: String?, actor: AuditActor,
                       reason: String? = nil, ip: String? = nil, detail: [String: String] = [:],
                       in transaction: Repositories? = nil) async throws {
        try await (transaction?.audit ?? repository).append(AuditEvent(
            id: random.identifier(), organizationID: organizationID, userID: userID, actor: actor, type: type,
            reason: reason, ipAddress: ip, detail: detail, createdAt: clock.now))
    }
}
