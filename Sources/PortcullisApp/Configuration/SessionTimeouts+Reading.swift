import Foundation
import PortcullisCore

extension SessionService.Timeouts {
    /// `PORTCULLIS_SESSION_IDLE_MINUTES` and `PORTCULLIS_SESSION_LIFETIME_HOURS` over the domain's defaults.
    public init(reading read: ConfigurationReader) throws {
        self.init()
        if let v = try read.int("PORTCULLIS_SESSION_IDLE_MINUTES", 1...10_080) { idle = TimeInterval(v * 60) }
        if let v = try read.int("PORTCULLIS_SESSION_LIFETIME_HOURS", 1...720) { absolute = TimeInterval(v * 3600) }
    }
}
