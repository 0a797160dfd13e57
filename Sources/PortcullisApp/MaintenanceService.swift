import Logging
import ServiceLifecycle

/// Runs `Housekeeping` every minute on every node, for as long as the server runs.
public struct MaintenanceService: Service, CustomStringConvertible {
    public var description: String { "MaintenanceService" }
    let app: Portcullis
    let logger: Logger
    var interval: Duration = .seconds(60)

    public init(app: Portcullis, logger: Logger, interval: Duration = .seconds(60)) {
        self.app = app
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let returned = try await app.housekeeping.sweep()
                if returned > 0 { logger.info("lent tokens returned to the pool", metadata: ["count": "\(returned)"]) }
            } catch {
                logger.warning("maintenance failed", metadata: ["error_type": "\(type(of: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
