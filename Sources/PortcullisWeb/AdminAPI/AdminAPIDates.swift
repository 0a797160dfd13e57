import Foundation
import OpenAPIRuntime

/// RFC 3339 times for the admin API: written as `2026-01-31T09:30:00Z`, read with or without fractional seconds and
/// with any offset, as the document's `date-time` allows (the runtime's own transcoder reads one form only).
struct AdminAPIDates: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    func decode(_ text: String) throws -> Date {
        let normalized = text.uppercased()
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(normalized) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(normalized) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 date-time"))
    }
}
