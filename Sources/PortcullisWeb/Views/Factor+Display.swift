import Foundation
import PortcullisCore

/// How the pages show a factor's dates (its masked name comes from its type's presenter).
extension Factor {
    /// A date as the pages show it: `2025-01-31 14:05 UTC`.
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
