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

    /// An event without an actor (a sign-in step), to be written with others in one go by `record(_:)`.
    public struct Entry: Sendable {
        public var type: AuditEventType
        public var organizationID: String?
        public var userID: String?
        public var reason: String?
        public var ip: String?
        public var detail: [String: String]

        public init(_ type: AuditEventType, organizationID: String?, userID: String?, reason: String? = nil, ip: String? = nil,
                    detail: [String: String] = [:]) {
            self.type = type
            self.organizationID = organizationID
            self.userID = userID
            self.reason = reason
            self.ip = ip
            self.detail = detail
        }
    }

    /// Writes several events at once (one statement on SQL stores), e.g. a factor's success and the sign-in it completes.
    public func record(_ entries: [Entry]) async throws {
        let now = clock.now
        try await repository.append(entries.map { e in
            AuditEvent(id: random.identifier(), organizationID: e.organizationID, userID: e.userID, actor: nil, type: e.type,
                       reason: e.reason, ipAddress: e.ip, detail: e.detail, createdAt: now)
        })
    }
}
