import Foundation
import PortcullisCore

/// How to reach an SMTP server and who the mail comes from (SPEC §3, delivery providers).
///
/// The password is never part of a description, a debug description or a mirror: it prints as `<redacted>`.
public struct SMTPConfiguration: Sendable, Equatable {
    /// How the connection is protected.
    public enum Security: String, Sendable, CaseIterable {
        /// Plain TCP, no encryption (credentials, if set, are sent in clear: only for a trusted local relay).
        case none
        /// Plain TCP upgraded with STARTTLS before anything else; fails if the server does not offer it.
        case startTLS = "starttls"
        /// Implicit TLS from the first byte (usually port 465).
        case tls

        /// The usual port for this mode: 25, 587 or 465.
        public var defaultPort: Int {
            switch self {
            case .none: 25
            case .startTLS: 587
            case .tls: 465
            }
        }
    }

    /// Which server certificates are accepted (for `.startTLS` and `.tls`).
    public enum CertificateTrust: Sendable, Equatable, Hashable {
        /// The system's root certificates, and the host name must match (the default).
        case systemRoots
        /// Only certificates issued by the CA (or self-signed certificate) in this PEM file; the host name must match.
        case caFile(String)
        /// No verification at all. Only for tests and development: anyone on the path can read the mail.
        case insecureSkipVerification
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The sender address used when a message has no `from` of its own (and for the envelope).
    public var from: String
    /// The name sent with EHLO/HELO.
    public var heloName: String
    public var connectTimeout: Duration
    /// How long to wait for each server reply (and for the TLS handshake) before giving up.
    public var replyTimeout: Duration
    public var certificateTrust: CertificateTrust

    /// - Parameters:
    ///   - port: defaults to `security.defaultPort`.
    ///   - heloName: defaults to this machine's host name.
    public init(
        host: String,
        port: Int? = nil,
        security: Security = .startTLS,
        username: String? = nil,
        password: String? = nil,
        from: String,
        heloName: String? = nil,
        connectTimeout: Duration = .seconds(10),
        replyTimeout: Duration = .seconds(30),
        certificateTrust: CertificateTrust = .systemRoots
    ) {
        self.host = host
        self.port = port ?? security.defaultPort
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.heloName = heloName ?? Self.defaultHeloName()
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.certificateTrust = certificateTrust
    }

    /// Reads `PORTCULLIS_SMTP_*` values (the environment or the configuration file, as `Configuration.load` merges
    /// them). Returns nil when `PORTCULLIS_SMTP_HOST` is not set.
    ///
    /// `PORTCULLIS_SMTP_HOST`, `_PORT` (default by security), `_SECURITY` (`none`, `starttls` (default) or `tls`),
    /// `_USERNAME`, `_PASSWORD` (both or neither), `_FROM` (required), `_CA_FILE`, `_INSECURE_SKIP_VERIFY` (1/0),
    /// `_HELO_NAME`, `_CONNECT_TIMEOUT_SECONDS` (default 10), `_REPLY_TIMEOUT_SECONDS` (default 30).
    public static func load(from values: [String: String]) throws -> SMTPConfiguration? {
        typealias Invalid = Configuration.ConfigurationError
        let read = ConfigurationValues(values)
        let string = read.string, int = read.int, bool = read.bool
        func noLineBreaks(_ name: String, _ value: String?) throws {
            if let value, value.contains(where: { $0.isNewline }) {
                throw Invalid.invalid(name: name, value: "(contains a line break)", expected: "a single line")
            }
        }

        guard let host = string("PORTCULLIS_SMTP_HOST") else { return nil }
        var security = Security.startTLS
        if let raw = string("PORTCULLIS_SMTP_SECURITY") {
            guard let value = Security(rawValue: raw.lowercased()) else {
                throw Invalid.invalid(name: "PORTCULLIS_SMTP_SECURITY", value: raw, expected: "none, starttls or tls")
            }
            security = value
        }
        let port = try int("PORTCULLIS_SMTP_PORT", 1...65535)
        // The password is not trimmed: spaces may be part of it.
        let username = string("PORTCULLIS_SMTP_USERNAME")
        let password = read.raw("PORTCULLIS_SMTP_PASSWORD")
        if (username == nil) != (password == nil) {
            throw Invalid.invalid(
                name: username == nil ? "PORTCULLIS_SMTP_USERNAME" : "PORTCULLIS_SMTP_PASSWORD", value: "",
                expected: "PORTCULLIS_SMTP_USERNAME and PORTCULLIS_SMTP_PASSWORD set together"
            )
        }
        guard let from = string("PORTCULLIS_SMTP_FROM") else {
            throw Invalid.invalid(
                name: "PORTCULLIS_SMTP_FROM", value: "", expected: "the sender address when PORTCULLIS_SMTP_HOST is set"
            )
        }
        let heloName = string("PORTCULLIS_SMTP_HELO_NAME")
        try noLineBreaks("PORTCULLIS_SMTP_HOST", host)
        try noLineBreaks("PORTCULLIS_SMTP_USERNAME", username)
        try noLineBreaks("PORTCULLIS_SMTP_FROM", from)
        try noLineBreaks("PORTCULLIS_SMTP_HELO_NAME", heloName)

        var trust = CertificateTrust.systemRoots
        let caFile = string("PORTCULLIS_SMTP_CA_FILE")
        let insecure = try bool("PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY") ?? false
        if insecure, caFile != nil {
            throw Invalid.invalid(
                name: "PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY", value: "1",
                expected: "0 when PORTCULLIS_SMTP_CA_FILE is set (one or the other)"
            )
        }
        if let caFile { trust = .caFile(caFile) }
        if insecure { trust = .insecureSkipVerification }

        return SMTPConfiguration(
            host: host,
            port: port,
            security: security,
            username: username,
            password: password,
            from: from,
            heloName: heloName,
            connectTimeout: .seconds(try int("PORTCULLIS_SMTP_CONNECT_TIMEOUT_SECONDS", 1...600) ?? 10),
            replyTimeout: .seconds(try int("PORTCULLIS_SMTP_REPLY_TIMEOUT_SECONDS", 1...3600) ?? 30),
            certificateTrust: trust
        )
    }

    /// This machine's host name if it looks like one, else `localhost`.
    static func defaultHeloName() -> String {
        let name = ProcessInfo.processInfo.hostName
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        guard !name.isEmpty, name.count <= 253, name.allSatisfy({ allowed.contains($0) }) else { return "localhost" }
        return name
    }
}

extension SMTPConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = ["host: \(host)", "port: \(port)", "security: \(security.rawValue)"]
        if let username { parts.append("username: \(username)") }
        if password != nil { parts.append("password: <redacted>") }
        parts += [
            "from: \(from)", "heloName: \(heloName)", "connectTimeout: \(connectTimeout)",
            "replyTimeout: \(replyTimeout)", "certificateTrust: \(certificateTrust)",
        ]
        return "SMTPConfiguration(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "security": security, "username": username as Any,
                "password": password == nil ? "nil" : "<redacted>", "from": from, "heloName": heloName,
                "connectTimeout": connectTimeout, "replyTimeout": replyTimeout, "certificateTrust": certificateTrust,
            ],
            displayStyle: .struct
        )
    }
}
