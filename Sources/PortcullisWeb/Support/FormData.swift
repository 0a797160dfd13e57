import Foundation

/// Fields of an `application/x-www-form-urlencoded` body. Malformed input yields what can be read, never a crash.
public struct FormData: Sendable {
    public private(set) var fields: [String: String] = [:]

    public init(fields: [String: String] = [:]) {
        self.fields = fields
    }

    public init(parsing body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), !name.isEmpty else { continue }
            let value = parts.count > 1 ? (Self.decode(parts[1]) ?? "") : ""
            if fields[name] == nil { fields[name] = value }
        }
    }

    public subscript(name: String) -> String? { fields[name] }

    /// A trimmed field, or "" when absent.
    public func text(_ name: String) -> String {
        fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    private static func decode(_ part: Substring) -> String? {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
