import Foundation
import PortcullisDelivery

extension SMTPSettings {
    /// Reads `PORTCULLIS_SMTP_*`; nil when `PORTCULLIS_SMTP_HOST` is not set.
    ///
    /// `PORTCULLIS_SMTP_HOST`, `_PORT` (default by security), `_SECURITY` (`none`, `starttls` (default) or `tls`),
    /// `_USERNAME`, `_PASSWORD` (both or neither; the password is not trimmed), `_FROM` (required), `_CA_FILE`,
    /// `_INSECURE_SKIP_VERIFY` (1/0, not with `_CA_FILE`), `_HELO_NAME`, `_CONNECT_TIMEOUT_SECONDS` (default 10),
    /// `_REPLY_TIMEOUT_SECONDS` (default 30). Host, username, sender and HELO name must be single lines.
    public init?(reading read: ConfigurationReader) throws {
        func noLineBreaks(_ name: String, _ value: String?) throws {
            if let value, value.contains(where: { $0.isNewline }) {
                throw ConfigurationError.invalid(name: name, value: "(contains a line break)", expected: "a single line")
            }
        }

        guard let host = read.string("PORTCULLIS_SMTP_HOST") else { return nil }
        var security = Security.startTLS
        if let raw = read.string("PORTCULLIS_SMTP_SECURITY") {
            guard let value = Security(rawValue: raw.lowercased()) else {
                throw ConfigurationError.invalid(name: "PORTCULLIS_SMTP_SECURITY", value: raw, expected: "none, starttls or tls")
            }
            security = value
        }
        let port = try read.int("PORTCULLIS_SMTP_PORT", 1...65535)
        // The password is not trimmed: spaces may be part of it.
        let username = read.string("PORTCULLIS_SMTP_USERNAME")
        let password = read.raw("PORTCULLIS_SMTP_PASSWORD")
        if (username == nil) != (password == nil) {
            throw ConfigurationError.invalid(
                name: username == nil ? "PORTCULLIS_SMTP_USERNAME" : "PORTCULLIS_SMTP_PASSWORD", value: "",
                expected: "PORTCULLIS_SMTP_USERNAME and PORTCULLIS_SMTP_PASSWORD set together"
            )
        }
        guard let from = read.string("PORTCULLIS_SMTP_FROM") else {
            throw ConfigurationError.invalid(
                name: "PORTCULLIS_SMTP_FROM", value: "", expected: "the sender address when PORTCULLIS_SMTP_HOST is set"
            )
        }
        let heloName = read.string("PORTCULLIS_SMTP_HELO_NAME")
        try noLineBreaks("PORTCULLIS_SMTP_HOST", host)
        try noLineBreaks("PORTCULLIS_SMTP_USERNAME", username)
        try noLineBreaks("PORTCULLIS_SMTP_FROM", from)
        try noLineBreaks("PORTCULLIS_SMTP_HELO_NAME", heloName)

        var trust = CertificateTrust.systemRoots
        let caFile = read.string("PORTCULLIS_SMTP_CA_FILE")
        let insecure = try read.bool("PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY") ?? false
        if insecure, caFile != nil {
            throw ConfigurationError.invalid(
                name: "PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY", value: "1",
                expected: "0 when PORTCULLIS_SMTP_CA_FILE is set (one or the other)"
            )
        }
        if let caFile { trust = .caFile(caFile) }
        if insecure { trust = .insecureSkipVerification }

        self.init(
            host: host,
            port: port,
            security: security,
            username: username,
            password: password,
            from: from,
            heloName: heloName,
            connectTimeout: .seconds(try read.int("PORTCULLIS_SMTP_CONNECT_TIMEOUT_SECONDS", 1...600) ?? 10),
            replyTimeout: .seconds(try read.int("PORTCULLIS_SMTP_REPLY_TIMEOUT_SECONDS", 1...3600) ?? 30),
            certificateTrust: trust
        )
    }
}
