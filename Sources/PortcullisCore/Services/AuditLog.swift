import Foundation

/// Writes audit events with the injected clock and ids.
public struct AuditLog: Sendable {
    let repository: any AuditRepository
    let clock: any WallClock
    let random: any RandomSource

    public init(repository: any AuditRepository, clock: any WallClock, random: any RandomSource) {
        self.repository = repository
        self.clock = clock
        self.random = random
    }

    public func record(_ type: AuditEventType, organizationID: String?, userID: String?, actor: String? = nil,
                       reason: String? = nil, ip: String? = nil, detail: [String: String] = [:]) async throws {
        try await repository.append(AuditEvent(
            id: random.identifier(), organizationID: organizationID, userID: userID, actor: actor, type: type,
            reason: reason, ipAddress: ip, detail: detail, createdAt: clock.now))
    }
}
