import Logging
import ServiceLifecycle

/// Deletes expired sessions every few minutes (expired ones are already refused on use; this keeps the table small).
struct SessionPurgeService: Service, CustomStringConvertible {
    var description: String { "SessionPurgeService" }
    let app: Portcullis
    let logger: Logger
    var interval: Duration = .seconds(300)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await app.sessions.purgeExpired()
            } catch {
                logger.warning("session purge failed", metadata: ["error_type": "\(type(of: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
