import Foundation
import PortcullisCrypto

/// Everything an operator can set, read from environment variables and an optional file (SPEC §8).
///
/// The file (path in `PORTCULLIS_CONFIG`) has one `NAME=value` per line with the same names as the environment,
/// `#` starts a comment; the environment wins over the file. Secure defaults throughout; outside development mode
/// the server refuses to start without a key-encryption key.
public struct Configuration: Sendable {
    /// An SQLite path or a `postgres://` URL.
    public var databaseURL = "data/portcullis.sqlite"
    /// The key-encryption key (32 bytes, base64), and older keys still accepted for reading (rotation).
    public var key: String?
    public var previousKeys: [String] = []
    /// The public URL users reach (scheme, host, port); WebAuthn, OIDC and links derive from it.
    public var baseURL = "http://localhost:8080"
    public var development = false
    public var host = "127.0.0.1"
    public var port = 8080
    /// Seconds a client has to send a whole request head (from connecting, or from the first byte of its next
    /// request), to send a request body once its head arrived, and that an idle keep-alive connection stays open.
    public var headerTimeoutSeconds = 10
    public var bodyTimeoutSeconds = 30
    public var idleTimeoutSeconds = 60
    public var argon2 = Argon2Parameters()
    /// Password hashes computed at once (default: the number of cores), and how many may wait.
    public var hashConcurrency = ProcessInfo.processInfo.activeProcessorCount
    public var hashQueue = 64
    public var sessions = SessionService.Timeouts()
    public var policy = SecurityPolicy()
    /// Take the client address from the last `X-Forwarded-For` hop (only behind a reverse proxy you run).
    public var trustProxy = false
    /// Every `PORTCULLIS_*` value read (file and environment), for the delivery providers' own settings.
    public var values: [String: String] = [:]

    public init() {}

    public enum ConfigurationError: Error, CustomStringConvertible {
        case invalid(name: String, value: String, expected: String)
        case unreadableFile(String)
        case missingKey

        public var description: String {
            switch self {
            case .invalid(let name, let value, let expected): "\(name)=\(value) is not valid: expected \(expected)"
            case .unreadableFile(let path): "cannot read the configuration file \(path)"
            case .missingKey:
                "PORTCULLIS_KEY is not set: make one with `portcullis key generate`, keep it secret and backed up, and set "
                    + "it in the environment or portcullis.conf (for a local trial, PORTCULLIS_DEV=1 instead; `make run` does that)"
            }
        }
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
        return try Configuration(values: values)
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

    init(values: [String: String]) throws {
        self.values = values
        let read = ConfigurationValues(values)
        let string = read.string, int = read.int, bool = read.bool
        if let v = string("PORTCULLIS_DATABASE_URL") { databaseURL = v }
        key = string("PORTCULLIS_KEY")
        previousKeys = string("PORTCULLIS_PREVIOUS_KEYS")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        if let v = string("PORTCULLIS_BASE_URL") {
            guard let url = URL(string: v), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigurationError.invalid(name: "PORTCULLIS_BASE_URL", value: v, expected: "an http(s) URL such as https://mfa.example.com")
            }
            baseURL = v.hasSuffix("/") ? String(v.dropLast()) : v
        }
        development = try bool("PORTCULLIS_DEV") ?? false
        if let v = string("PORTCULLIS_HOST") { host = v }
        if let v = try int("PORTCULLIS_PORT", 0...65535) { port = v }
        if let v = try int("PORTCULLIS_HEADER_TIMEOUT_SECONDS", 1...3600) { headerTimeoutSeconds = v }
        if let v = try int("PORTCULLIS_BODY_TIMEOUT_SECONDS", 1...3600) { bodyTimeoutSeconds = v }
        if let v = try int("PORTCULLIS_IDLE_TIMEOUT_SECONDS", 1...86_400) { idleTimeoutSeconds = v }
        // OWASP's minimum is the floor; stronger settings are welcome.
        if let v = try int("PORTCULLIS_ARGON2_MEMORY_KIB", 19_456...4_194_304) { argon2.memoryKiB = UInt32(v) }
        if let v = try int("PORTCULLIS_ARGON2_ITERATIONS", 2...100) { argon2.iterations = UInt32(v) }
        if let v = try int("PORTCULLIS_ARGON2_PARALLELISM", 1...64) { argon2.parallelism = UInt32(v) }
        if let v = try int("PORTCULLIS_HASH_CONCURRENCY", 1...1024) { hashConcurrency = v }
        if let v = try int("PORTCULLIS_HASH_QUEUE", 0...100_000) { hashQueue = v }
        if let v = try int("PORTCULLIS_SESSION_IDLE_MINUTES", 1...10_080) { sessions.idle = TimeInterval(v * 60) }
        if let v = try int("PORTCULLIS_SESSION_LIFETIME_HOURS", 1...720) { sessions.absolute = TimeInterval(v * 3600) }
        if let v = try int("PORTCULLIS_LOCKOUT_THRESHOLD", 1...100) { policy.lockoutThreshold = v }
        if let v = try int("PORTCULLIS_LOCKOUT_MINUTES", 1...10_080) { policy.lockoutDuration = TimeInterval(v * 60) }
        if let v = try int("PORTCULLIS_LOCKOUT_ESCALATION", 1...10) { policy.lockoutEscalation = Double(v) }
        if let v = try int("PORTCULLIS_LOCKOUT_MAX_MINUTES", 1...525_600) { policy.lockoutMaxDuration = TimeInterval(v * 60) }
        if let v = try int("PORTCULLIS_LOCKOUT_FAILURE_CAP", 1...100) { policy.lockoutFailureCap = v }
        if let v = try int("PORTCULLIS_STEP_UP_MINUTES", 1...60) { policy.stepUpWindow = TimeInterval(v * 60) }
        if let v = try int("PORTCULLIS_IP_FAILURE_LIMIT", 1...1_000_000) { policy.ipFailureLimit = v }
        if let v = string("PORTCULLIS_ISSUER") { policy.issuer = v }
        if let v = try int("PORTCULLIS_PATTERN_GRID", 3...5) { policy.patternGridSize = v }
        if let v = try bool("PORTCULLIS_PATTERN_CAN_BE_DEFAULT") { policy.patternCanBeDefault = v }
        if let v = try read.choice("PORTCULLIS_WEBAUTHN_USER_VERIFICATION", ["preferred", "required"]) {
            policy.webAuthnRequireUserVerification = v == "required"
        }
        if let v = try bool("PORTCULLIS_PASSKEY_SIGN_IN") { policy.passkeySignIn = v }
        trustProxy = try bool("PORTCULLIS_TRUST_PROXY") ?? false
        policy.webAuthnOrigin = baseURL
    }

    /// The key ring for secrets at rest. Without a key: an error outside development mode; in development mode a key
    /// kept in `dev.key` next to the SQLite database (created once), so restarts keep working.
    public func secretBox() throws -> SecretBox {
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

    /// Where files that belong with the data are kept (the development key, the initial administrator's notice): the
    /// SQLite database's directory, or `data/` under the working directory with PostgreSQL.
    public var dataDirectory: String {
        databaseURL.hasPrefix("postgres") ? URL(fileURLWithPath: "data").path
                                          : URL(fileURLWithPath: databaseURL).deletingLastPathComponent().path
    }

    /// Cookies carry `Secure` except in development mode over plain HTTP.
    public var secureCookies: Bool { !(development && baseURL.hasPrefix("http://")) }
}

extension Configuration: CustomStringConvertible, CustomReflectable {
    /// Never prints the keys.
    public var description: String {
        "Configuration(database: \(databaseURL.hasPrefix("postgres") ? "postgres" : databaseURL), baseURL: \(baseURL), development: \(development))"
    }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
