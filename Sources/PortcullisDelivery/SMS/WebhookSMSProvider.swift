import AsyncHTTPClient
import Crypto
import Foundation
import PortcullisCore
import PortcullisCrypto

/// Sends text messages by POSTing signed JSON to a gateway of your own:
/// `{"body": "...", "timestamp": 1700000000, "to": "+..."}` with `X-Portcullis-Timestamp` and
/// `X-Portcullis-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
public struct WebhookSMSProvider: SMSProvider {
    public let url: String
    private let secret: String
    public let timeout: Duration
    private let httpClient: HTTPClient
    private let clock: any WallClock

    public init(
        url: String, secret: String, timeout: Duration = .seconds(10), httpClient: HTTPClient = .shared,
        clock: any WallClock = SystemClock()
    ) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.httpClient = httpClient
        self.clock = clock
    }

    /// Throws only `DeliveryError`.
    public func send(_ message: SMSMessage) async throws {
        let timestamp = Int(clock.now.timeIntervalSince1970)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body: [UInt8]
        do {
            body = Array(try encoder.encode(Payload(to: message.to, body: message.body, timestamp: timestamp)))
        } catch {
            throw DeliveryError(.unavailable, detail: "webhook: could not encode the message")
        }
        let reply = try await HTTPDelivery.post(
            provider: "webhook", client: httpClient, url: url,
            headers: [
                ("Content-Type", "application/json"),
                ("X-Portcullis-Timestamp", String(timestamp)),
                ("X-Portcullis-Signature", Self.signature(secret: secret, timestamp: timestamp, body: body)),
            ],
            body: body, timeout: timeout)
        if let error = Self.error(status: reply.status) { throw error }
    }

    /// `sha256=` and the hex HMAC-SHA256, keyed with the shared secret, of `"<timestamp>.<body bytes>"`.
    public static func signature(secret: String, timestamp: Int, body: some Collection<UInt8>) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// For receivers: whether `signature` (the header value) matches, compared in constant time. Receivers should
    /// also refuse timestamps far from their own clock, to stop replays.
    public static func signatureIsValid(secret: String, timestamp: Int, body: some Collection<UInt8>, signature: String) -> Bool {
        constantTimeEquals(Self.signature(secret: secret, timestamp: timestamp, body: body), signature)
    }

    /// 2xx sent; 400/422 bad destination; 429 throttled; other 4xx (and 1xx/3xx) our configuration; 5xx unavailable.
    static func error(status: Int) -> DeliveryError? {
        let detail = "webhook: HTTP \(status)"
        switch status {
        case 200..<300: return nil
        case 400, 422: return DeliveryError(.invalidDestination, detail: detail)
        case 429: return DeliveryError(.rateLimited, detail: detail)
        case 500...: return DeliveryError(.unavailable, detail: detail)
        default: return DeliveryError(.misconfigured, detail: detail)
        }
    }

    private struct Payload: Encodable {
        var to: String
        var body: String
        var timestamp: Int
    }
}

extension WebhookSMSProvider: CustomStringConvertible, CustomReflectable {
    /// Never prints the secret, nor the URL's path and query (which may carry a token).
    public var description: String {
        "WebhookSMSProvider(url: \(HTTPDelivery.origin(of: url)), secret: <redacted>)"
    }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
