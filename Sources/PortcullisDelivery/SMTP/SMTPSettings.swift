import Foundation

/// How to reach an SMTP server and who the mail comes from (SPEC §3, delivery providers); read from configuration
/// (`PORTCULLIS_SMTP_*`) by the composition root.
///
/// The password is never part of a description, a debug description or a mirror: it prints as `<redacted>`.
public struct SMTPSettings: Sendable, Equatable {
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

    /// This machine's host name if it looks like one, else `localhost`.
    static func defaultHeloName() -> String {
        let name = ProcessInfo.processInfo.hostName
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        guard !name.isEmpty, name.count <= 253, name.allSatisfy({ allowed.contains($0) }) else { return "localhost" }
        return name
    }
}

extension SMTPSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = ["host: \(host)", "port: \(port)", "security: \(security.rawValue)"]
        if let username { parts.append("username: \(username)") }
        if password != nil { parts.append("password: <redacted>") }
        parts += [
            "from: \(from)", "heloName: \(heloName)", "connectTimeout: \(connectTimeout)",
            "replyTimeout: \(replyTimeout)", "certificateTrust: \(certificateTrust)",
        ]
        return "SMTPSettings(\(parts.joined(separator: ", ")))"
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
