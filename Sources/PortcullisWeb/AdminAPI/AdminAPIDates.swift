import Foundation
import OpenAPIRuntime

/// RFC 3339 times for the admin API: written as `2026-01-31T09:30:00Z`, read with or without fractional seconds and
/// with any offset RFC 3339 allows, as the document's `date-time` does (the runtime's own transcoder reads one form
/// only, and Foundation reads offsets up to ±18 hours, RFC 3339 up to ±23:59: the offset is applied here).
struct AdminAPIDates: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    func decode(_ text: String) throws -> Date {
        var local = text.uppercased()
        var offset = 0
        if let match = local.wholeMatch(of: /(.+T\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-])(\d{2}):(\d{2})/),
           let hours = Int(match.3), let minutes = Int(match.4), hours < 24, minutes < 60 {
            offset = (match.2 == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            local = match.1 + "Z"
        }
        for style in [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()] {
            if let date = try? style.parse(local) { return date.addingTimeInterval(TimeInterval(-offset)) }
        }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 date-time"))
    }
}
