import Foundation
import PortcullisCrypto

/// Writes audit events with the injected clock and ids, each with its actor. A change and its event go into one
/// transaction (`in:` the repositories bound to it); sign-in attempts, which are events rather than changes, are
/// appended right after the one atomic statement they report.
///
/// The observer (the metrics) sees every event appended on its own, once it is written: sign-ins, factor checks,
/// lockouts and codes, the events metrics count. An event written inside a transaction is not observed, since the
/// transaction may still roll back; so the metrics never count what the log does not hold.
public struct AuditLog: Sendable {
    let repository: any AuditRepository
    let clock: any WallClock
    let random: any RandomSource
    let observer: (any AuditObserver)?

    public init(repository: any AuditRepository, clock: any WallClock, random: any RandomSource, observer: (any AuditObserver)? = nil) {
        self.repository = repository
        self.clock = clock
        self.random = random
        self.observer = observer
    }

    /// Appends one event; with `transaction`, inside that transaction.
    public func record(_ type: AuditEventType, organizationID: String?, userID: String?, actor: AuditActor,
                       reason: String? = nil, ip: String? = nil, detail: AuditDetail = .none,
                       in transaction: Repositories? = nil) async throws {
        let event = AuditEvent(id: random.identifier(), organizationID: organizationID, userID: userID, actor: actor, type: type,
                               reason: reason, ipAddress: ip, detail: detail.fields, createdAt: clock.now)
        try await (transaction?.audit ?? repository).append(event)
        if transaction == nil { observer?.observe([event]) }
    }

    /// An event to be written with others in one go by `record(_:)` (a sign-in step and the sign-in it completes).
    public struct Entry: Sendable {
        public var type: AuditEventType
        public var organizationID: String?
        public var userID: String?
        public var actor: AuditActor
        public var reason: String?
        public var ip: String?
        public var detail: AuditDetail

        public init(_ type: AuditEventType, organizationID: String?, userID: String?, actor: AuditActor, reason: String? = nil,
                    ip: String? = nil, detail: AuditDetail = .none) {
            self.type = type
            self.organizationID = organizationID
            self.userID = userID
            self.actor = actor
            self.reason = reason
            self.ip = ip
            self.detail = detail
        }
    }

    /// Writes several events at once (one statement on SQL stores), e.g. a factor's success and the sign-in it completes.
    public func record(_ entries: [Entry]) async throws {
        let now = clock.now
        let events = entries.map { e in
            AuditEvent(id: random.identifier(), organizationID: e.organizationID, userID: e.userID, actor: e.actor, type: e.type,
                       reason: e.reason, ipAddress: e.ip, detail: e.detail.fields, createdAt: now)
        }
        try await repository.append(events)
        observer?.observe(events)
    }
}

/// Sees audit events once they are written (the metrics); must be quick and must not throw.
public protocol AuditObserver: Sendable {
    func observe(_ events: [AuditEvent])
}
