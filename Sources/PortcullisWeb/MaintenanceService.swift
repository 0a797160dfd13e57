import Logging
import ServiceLifecycle

/// Housekeeping every minute: returns lent tokens that fell due, deletes expired sessions, message codes, WebAuthn
/// challenges and enrollments left unconfirmed for an hour. (Each
/// is also enforced where it matters — a due token or an expired session is refused on use — so a missed run is
/// harmless.) Runs on every node; the statements are idempotent.
struct MaintenanceService: Service, CustomStringConvertible {
    var description: String { "MaintenanceService" }
    let app: Portcullis
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let returned = try await app.inventory.returnDueLoans()
                if returned > 0 { logger.info("lent tokens returned to the pool", metadata: ["count": "\(returned)"]) }
                try await app.sessions.purgeExpired()
                try await app.repositories.challenges.deleteExpired(before: app.clock.now.addingTimeInterval(-3600))
                try await app.repositories.webAuthn.deleteExpiredChallenges(before: app.clock.now)
                try await app.repositories.factors.deleteUnconfirmed(createdBefore: app.clock.now.addingTimeInterval(-3600))
            } catch {
                logger.warning("maintenance failed", metadata: ["error_type": "\(type(of: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
