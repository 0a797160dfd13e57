import Foundation
import PortcullisCore

/// How the pages show a factor's name and its dates.
extension Factor {
    /// The name shown on the pages around a challenge: an email address that is still the factor's name is masked,
    /// as phone numbers are (whoever has only the password learns no address).
    var maskedLabel: String {
        type == .email && label.contains("@") ? EmailFactor.mask(label) : label
    }

    /// A date as the pages show it: `2025-01-31 14:05 UTC`.
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
