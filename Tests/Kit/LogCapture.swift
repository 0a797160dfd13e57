import Foundation
import Logging

/// Collects every log event (level, message, metadata) so tests can prove what is logged and that no secret is.
public final class LogCapture: @unchecked Sendable {
    private struct Entry {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var entries: [Entry] = []

    public init() {}

    /// The messages alone, in order.
    public var messages: [String] { lock.withLock { entries.map(\.message) } }

    /// One line per event: level, message and metadata (sorted by key).
    public var text: String {
        lock.withLock {
            entries.map { entry in
                let metadata = entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                return "\(entry.level) \(entry.message) \(metadata)"
            }.joined(separator: "\n")
        }
    }

    public func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in Handler(capture: self) }
    }

    private func append(_ entry: Entry) { lock.withLock { entries.append(entry) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append(Entry(level: event.level, message: "\(event.message)",
                                 metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
