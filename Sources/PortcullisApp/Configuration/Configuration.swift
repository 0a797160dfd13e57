import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisDelivery

/// Everything an operator can set, as typed sections per concern, read from environment variables and an optional
/// file (SPEC §8) through one `ConfigurationReader`; every problem is one `ConfigurationError`.
///
/// The file (path in `PORTCULLIS_CONFIG`) has one `NAME=value` per line with the same names as the environment,
/// `#` starts a comment; the environment wins over the file. Secure defaults throughout; outside development mode
/// the server refuses to start without a key-encryption key. The description never prints keys or passwords.
public struct Configuration: Sendable {
    /// Listening address, public URL, connection deadlines, proxy trust, development mode.
    public var server = ServerSettings()
    /// The database, and the directory kept with it.
    public var storage = StorageSettings()
    /// The key-encryption key and older keys (rotation).
    public var keys = KeySettings()
    /// Argon2id cost and the hashing limits.
    public var hashing = HashingSettings()
    public var sessions = SessionService.Timeouts()
    public var policy = SecurityPolicy()
    /// The SMS provider; nil when `PORTCULLIS_SMS_PROVIDER` is unset (development mode then uses the outbox).
    public var sms: SMSSettings?
    /// The SMTP server for email codes; nil when `PORTCULLIS_SMTP_HOST` is unset (development: the outbox).
    public var smtp: SMTPSettings?
    /// Inbound provider callbacks (the Twilio webhook's auth token).
    public var webhooks = WebhookSettings()

    public init() {}

    /// Every section read from merged values (file and environment); the first bad value throws.
    public init(reading read: ConfigurationReader) throws {
        storage = try StorageSettings(reading: read)
        keys = try KeySettings(reading: read)
        server = try ServerSettings(reading: read)
        hashing = try HashingSettings(reading: read)
        sessions = try SessionService.Timeouts(reading: read)
        policy = try SecurityPolicy(reading: read)
        policy.webAuthnOrigin = server.baseURL
        sms = try SMSSettings(reading: read, development: server.development)
        smtp = try SMTPSettings(reading: read)
        webhooks = try WebhookSettings(reading: read)
    }

    /// The file read when `PORTCULLIS_CONFIG` names none: `portcullis.conf` in the working directory, if there is
    /// one (`make run` writes its development settings there, so the CLI run from the repository finds them).
    public static let defaultFile = "portcullis.conf"

    /// Reads the environment (and the file it names, or the default file); the environment wins.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            directory: String = FileManager.default.currentDirectoryPath) throws -> Configuration {
        var values: [String: String] = [:]
        if let path = environment["PORTCULLIS_CONFIG"], !path.isEmpty {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigurationError.unreadableFile(path) }
            values = parseFile(text)
        } else if let text = try? String(contentsOfFile: directory + "/" + defaultFile, encoding: .utf8) {
            values = parseFile(text)
        }
        for (name, value) in environment where name.hasPrefix("PORTCULLIS_") { values[name] = value }
        return try Configuration(reading: ConfigurationReader(values))
    }

    static func parseFile(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            let name = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            values[name] = value
        }
        return values
    }

    /// The key ring for secrets at rest (`KeySettings.secretBox`, with `dev.key` in the storage's data directory in
    /// development mode); `ConfigurationError.missingKey` without a key outside development mode.
    public func secretBox() throws -> SecretBox {
        try keys.secretBox(dataDirectory: storage.dataDirectory, development: server.development)
    }
}

extension Configuration: CustomStringConvertible, CustomReflectable {
    /// Never prints the keys, a database password or a provider's secret.
    public var description: String {
        "Configuration(database: \(storage.isPostgres ? "postgres" : storage.databaseURL), baseURL: \(server.baseURL), development: \(server.development))"
    }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
