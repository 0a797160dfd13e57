import Foundation

/// How the HTTP server listens and presents itself: address, public URL, connection deadlines, proxy trust, and
/// development mode (`PORTCULLIS_HOST`, `_PORT`, `_BASE_URL`, `_DEV`, `_*_TIMEOUT_SECONDS`, `_TRUST_PROXY`), and who
/// may read `/metrics` (`_METRICS_TOKEN`).
public struct ServerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The public URL users reach (scheme, host, port); WebAuthn, OIDC and links derive from it.
    public var baseURL = "http://localhost:8080"
    public var development = false
    /// Seconds a client has to send a whole request head (from connecting, or from the first byte of its next
    /// request), to send a request body once its head arrived, and that an idle keep-alive connection stays open.
    public var headerTimeoutSeconds = 10
    public var bodyTimeoutSeconds = 30
    public var idleTimeoutSeconds = 60
    /// Take the client address from the last `X-Forwarded-For` hop (only behind a reverse proxy you run).
    public var trustProxy = false
    /// When set, `/metrics` answers a request with `Authorization: Bearer <token>` (compared in constant time) from
    /// anywhere; unset, only a scraper on this host.
    public var metricsToken: String?

    public init() {}

    public init(reading read: ConfigurationReader) throws {
        if let v = read.string("PORTCULLIS_BASE_URL") {
            guard let url = URL(string: v), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigurationError.invalid(name: "PORTCULLIS_BASE_URL", value: v, expected: "an http(s) URL such as https://mfa.example.com")
            }
            baseURL = v.hasSuffix("/") ? String(v.dropLast()) : v
        }
        development = try read.bool("PORTCULLIS_DEV") ?? false
        if let v = read.string("PORTCULLIS_HOST") { host = v }
        if let v = try read.int("PORTCULLIS_PORT", 0...65535) { port = v }
        if let v = try read.int("PORTCULLIS_HEADER_TIMEOUT_SECONDS", 1...3600) { headerTimeoutSeconds = v }
        if let v = try read.int("PORTCULLIS_BODY_TIMEOUT_SECONDS", 1...3600) { bodyTimeoutSeconds = v }
        if let v = try read.int("PORTCULLIS_IDLE_TIMEOUT_SECONDS", 1...86_400) { idleTimeoutSeconds = v }
        trustProxy = try read.bool("PORTCULLIS_TRUST_PROXY") ?? false
        metricsToken = read.string("PORTCULLIS_METRICS_TOKEN")
    }

    /// Cookies carry `Secure` except in development mode over plain HTTP.
    public var secureCookies: Bool { !(development && baseURL.hasPrefix("http://")) }
}
