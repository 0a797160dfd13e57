import AsyncHTTPClient
import Foundation

/// Which SMS provider sends codes, with its settings (read from configuration by the composition root).
///
/// Secrets (the Twilio auth token, the webhook secret, a webhook URL's path and query) never show in a description,
/// a debug description or a mirror.
public enum SMSSettings: Sendable, Equatable {
    /// A Twilio-compatible Messages API.
    case twilio(accountSID: String, authToken: String, sender: TwilioSMSProvider.Sender, baseURL: String)
    /// Signed JSON posted to a gateway of your own.
    case webhook(url: String, secret: String)
    /// Development mode's outbox.
    case outbox

    /// The provider for these settings; nil for `.outbox` without an outbox (outside development mode).
    public func makeProvider(outbox: Outbox?, httpClient: HTTPClient = .shared) -> (any SMSProvider)? {
        switch self {
        case .twilio(let accountSID, let authToken, let sender, let baseURL):
            TwilioSMSProvider(accountSID: accountSID, authToken: authToken, sender: sender, baseURL: baseURL, httpClient: httpClient)
        case .webhook(let url, let secret):
            WebhookSMSProvider(url: url, secret: secret, httpClient: httpClient)
        case .outbox:
            outbox.map { OutboxSMSProvider(outbox: $0) }
        }
    }
}

extension SMSSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never prints the auth token, the webhook secret, or a URL's path and query.
    public var description: String {
        switch self {
        case .twilio(let accountSID, _, let sender, let baseURL):
            let from = switch sender {
            case .from(let number): "from: \(number)"
            case .messagingService(let sid): "messagingService: \(sid)"
            }
            return "SMSSettings.twilio(account: \(accountSID), \(from), baseURL: \(HTTPDelivery.origin(of: baseURL)), authToken: <redacted>)"
        case .webhook(let url, _):
            return "SMSSettings.webhook(url: \(HTTPDelivery.origin(of: url)), secret: <redacted>)"
        case .outbox:
            return "SMSSettings.outbox"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
