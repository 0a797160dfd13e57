import AsyncHTTPClient
import Crypto
import Foundation
import PortcullisCore
import PortcullisCrypto

/// Sends text messages through a Twilio-compatible Messages API
/// (`POST {baseURL}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP basic auth).
public struct TwilioSMSProvider: SMSProvider {
    /// Who the message comes from: a phone number / alphanumeric sender, or a messaging service.
    public enum Sender: Sendable, Equatable {
        case from(String)
        case messagingService(sid: String)
    }

    /// Twilio error codes that mean the destination is wrong or unreachable.
    public static let invalidDestinationCodes: Set<Int> = [21211, 21214, 21217, 21408, 21610, 21612, 21614]

    public let accountSID: String
    private let authToken: String
    public let sender: Sender
    public let baseURL: String
    public let timeout: Duration
    private let httpClient: HTTPClient

    public init(
        accountSID: String, authToken: String, sender: Sender, baseURL: String = "https://api.twilio.com",
        timeout: Duration = .seconds(10), httpClient: HTTPClient = .shared
    ) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.sender = sender
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
        self.httpClient = httpClient
    }

    /// The Messages resource URL.
    public var messagesURL: String {
        let sid = FormEncoding.escape(accountSID)
        return "\(baseURL)/2010-04-01/Accounts/\(sid)/Messages.json"
    }

    /// Throws only `DeliveryError`.
    public func send(_ message: SMSMessage) async throws {
        var fields = [("To", message.to)]
        switch sender {
        case .from(let from): fields.append(("From", from))
        case .messagingService(let sid): fields.append(("MessagingServiceSid", sid))
        }
        fields.append(("Body", message.body))
        let credentials = Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
        let reply = try await HTTPDelivery.post(
            provider: "twilio", client: httpClient, url: messagesURL,
            headers: [
                ("Authorization", "Basic \(credentials)"),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            body: Array(FormEncoding.encode(fields).utf8), timeout: timeout)
        if let error = Self.error(status: reply.status, body: reply.body.readableBytesView) { throw error }
    }

    /// Maps a Messages API answer to nil (sent) or the error to throw. The detail carries the status and Twilio's
    /// numeric error code only.
    static func error(status: Int, body: some Collection<UInt8>) -> DeliveryError? {
        if (200..<300).contains(status) { return nil }
        let code = (try? JSONDecoder().decode(TwilioError.self, from: Data(body)))?.code
        let detail = "twilio: HTTP \(status)" + (code.map { ", error \($0)" } ?? "")
        if status == 401 || status == 403 || code == 20003 { return DeliveryError(.misconfigured, detail: detail) }
        if status == 429 || code == 20429 { return DeliveryError(.rateLimited, detail: detail) }
        if status >= 500 { return DeliveryError(.unavailable, detail: detail) }
        if let code, invalidDestinationCodes.contains(code) { return DeliveryError(.invalidDestination, detail: detail) }
        // Other 4xx (unverified sender, bad account SID…) and unexpected 1xx/3xx: our side needs fixing.
        return DeliveryError(.misconfigured, detail: detail)
    }

    private struct TwilioError: Decodable {
        var code: Int?
    }

    /// Twilio's `X-Twilio-Signature` check for inbound webhooks: base64 HMAC-SHA1, keyed with the auth token, over the
    /// full URL followed by each POST parameter's name and value, sorted by name. Compared in constant time.
    public static func inboundSignatureIsValid(
        authToken: String, url: String, parameters: [String: String], signature: String
    ) -> Bool {
        var signed = url
        for name in parameters.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            signed += name + (parameters[name] ?? "")
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        let expected = Data(mac).base64EncodedString()
        return constantTimeEquals(expected, signature)
    }
}

extension TwilioSMSProvider: CustomStringConvertible, CustomReflectable {
    /// Never prints the auth token.
    public var description: String {
        let from = switch sender {
        case .from(let number): "from: \(number)"
        case .messagingService(let sid): "messagingService: \(sid)"
        }
        return "TwilioSMSProvider(account: \(accountSID), \(from), baseURL: \(HTTPDelivery.origin(of: baseURL)), authToken: <redacted>)"
    }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

/// `application/x-www-form-urlencoded` encoding: everything outside the unreserved set is percent-encoded
/// (so `+` in phone numbers arrives as `+`, not as a space).
enum FormEncoding {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
