import Foundation

/// Typed reads of the merged configuration values (environment over `PORTCULLIS_CONFIG` file) by name, for every
/// section's `init(reading:)`. Empty values count as unset; a bad value throws `ConfigurationError.invalid` naming the
/// setting, the value and what was expected.
public struct ConfigurationReader: Sendable {
    let values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// A value with surrounding spaces trimmed; nil when unset or empty.
    public func string(_ name: String) -> String? {
        values[name].flatMap { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A value exactly as given (passwords may begin or end with spaces); nil when unset or empty.
    public func raw(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A whole number within `range`.
    public func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let raw = string(name) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw ConfigurationError.invalid(name: name, value: raw, expected: "a whole number in \(range)")
        }
        return value
    }

    /// 1/0, true/false, yes/no, on/off.
    public func bool(_ name: String) throws -> Bool? {
        guard let raw = string(name)?.lowercased() else { return nil }
        switch raw {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError.invalid(name: name, value: raw, expected: "1 or 0")
        }
    }

    /// One of `choices` (compared lowercased), returned lowercased.
    public func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let raw = string(name) else { return nil }
        guard choices.contains(raw.lowercased()) else {
            throw ConfigurationError.invalid(name: name, value: raw, expected: choices.joined(separator: ", "))
        }
        return raw.lowercased()
    }
}
