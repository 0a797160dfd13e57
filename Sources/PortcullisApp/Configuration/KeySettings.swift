import Foundation
import PortcullisCrypto

/// The key-encryption key for secrets at rest (`PORTCULLIS_KEY`, 32 bytes base64) and older keys still accepted for
/// reading (`PORTCULLIS_PREVIOUS_KEYS`, comma-separated, for rotation). Never printed: descriptions say only whether a
/// key is set and how many previous keys there are.
public struct KeySettings: Sendable, Equatable {
    public var key: String?
    public var previousKeys: [String] = []

    public init() {}

    public init(reading read: ConfigurationReader) throws {
        key = read.string("PORTCULLIS_KEY")
        previousKeys = read.string("PORTCULLIS_PREVIOUS_KEYS")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
    }

    /// The key ring for secrets at rest. Without a key: `ConfigurationError.missingKey` outside development mode; in
    /// development mode a key kept in `dev.key` in `dataDirectory` (created once), so restarts keep working.
    public func secretBox(dataDirectory: String, development: Bool) throws -> SecretBox {
        let previous = try previousKeys.map { try SecretBox.Key(encoded: $0) }
        if let key { return SecretBox(current: try SecretBox.Key(encoded: key), previous: previous) }
        guard development else { throw ConfigurationError.missingKey }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent("dev.key").path
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            return SecretBox(current: try SecretBox.Key(encoded: stored), previous: previous)
        }
        let generated = SecretBox.generateKey()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(generated.utf8), attributes: [.posixPermissions: 0o600])
        return SecretBox(current: try SecretBox.Key(encoded: generated), previous: previous)
    }
}

extension KeySettings: CustomStringConvertible, CustomReflectable {
    /// Never prints a key.
    public var description: String {
        "KeySettings(key: \(key == nil ? "none" : "<redacted>"), previousKeys: \(previousKeys.count))"
    }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
