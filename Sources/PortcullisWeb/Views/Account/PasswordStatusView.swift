import Foundation
import PortcullisCore

/// Where the user's password stands, in words, for settings (always) and the portal (when it expires soon).
struct PasswordStatusView: Sendable {
    /// "Changed 2026-11-02 09:14 UTC."
    let changed: String
    /// "It expires 2027-02-01 09:14 UTC." or "It does not expire."
    let expiry: String
    /// Within the policy's warning period: shown as a warning, with the days left.
    let expiresSoon: Bool
    let daysLeft: Int

    init(_ status: PasswordService.Status, now: Date) {
        changed = "Changed " + Factor.format(status.changedAt) + "."
        expiry = status.expiresAt.map { "It expires " + Factor.format($0) + "." } ?? "It does not expire."
        expiresSoon = status.expiresSoon
        daysLeft = status.expiresAt.map { max(0, Int(($0.timeIntervalSince(now) / 86_400).rounded(.up))) } ?? 0
    }
}
