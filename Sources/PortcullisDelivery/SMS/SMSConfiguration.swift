import AsyncHTTPClient
import Foundation

/// Chooses the SMS provider from configuration values (environment or config file).
///
/// `PORTCULLIS_SMS_PROVIDER`: `twilio`, `webhook` or `outbox` (development mode only); unset means no SMS.
/// - twilio: `PORTCULLIS_TWILIO_ACCOUNT_SID`, `PORTCULLIS_TWILIO_AUTH_TOKEN`, and `PORTCULLIS_TWILIO_FROM` or
///   `PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID`; optionally `PORTCULLIS_TWILIO_BASE_URL` (default `https://api.twilio.com`).
/// - webhook: `PORTCULLIS_SMS_WEBHOOK_URL` and `PORTCULLIS_SMS_WEBHOOK_SECRET`.
public enum SMSConfiguration {
    /// A missing or unusable setting, named in `description`.
    public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The configured provider, or nil when `PORTCULLIS_SMS_PROVIDER` is unset or empty.
    public static func provider(
        from values: [String: String], outbox: Outbox?, httpClient: HTTPClient = .shared
    ) throws -> (any SMSProvider)? {
        func value(_ name: String) -> String? {
            guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func required(_ name: String, for provider: String) throws -> String {
            guard let found = value(name) else {
                throw ConfigurationError(description: "\(name) is required when PORTCULLIS_SMS_PROVIDER=\(provider)")
            }
            return found
        }
        func httpURL(_ name: String, _ url: String) throws -> String {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased()),
                  components.host?.isEmpty == false
            else { throw ConfigurationError(description: "\(name) must be an http:// or https:// URL") }
            return url
        }

        guard let name = value("PORTCULLIS_SMS_PROVIDER")?.lowercased() else { return nil }
        switch name {
        case "twilio":
            let sid = try required("PORTCULLIS_TWILIO_ACCOUNT_SID", for: name)
            let token = try required("PORTCULLIS_TWILIO_AUTH_TOKEN", for: name)
            let sender: TwilioSMSProvider.Sender
            if let service = value("PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID") {
                sender = .messagingService(sid: service)
            } else if let from = value("PORTCULLIS_TWILIO_FROM") {
                sender = .from(from)
            } else {
                throw ConfigurationError(description:
                    "PORTCULLIS_TWILIO_FROM or PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID is required when PORTCULLIS_SMS_PROVIDER=twilio")
            }
            let baseURL = try value("PORTCULLIS_TWILIO_BASE_URL").map { try httpURL("PORTCULLIS_TWILIO_BASE_URL", $0) }
            return TwilioSMSProvider(accountSID: sid, authToken: token, sender: sender,
                                     baseURL: baseURL ?? "https://api.twilio.com", httpClient: httpClient)
        case "webhook":
            let url = try httpURL("PORTCULLIS_SMS_WEBHOOK_URL", try required("PORTCULLIS_SMS_WEBHOOK_URL", for: name))
            let secret = try required("PORTCULLIS_SMS_WEBHOOK_SECRET", for: name)
            return WebhookSMSProvider(url: url, secret: secret, httpClient: httpClient)
        case "outbox":
            guard let outbox else {
                throw ConfigurationError(description: "PORTCULLIS_SMS_PROVIDER=outbox is only available in development mode (PORTCULLIS_DEV=1)")
            }
            return OutboxSMSProvider(outbox: outbox)
        default:
            throw ConfigurationError(description: "PORTCULLIS_SMS_PROVIDER must be twilio, webhook or outbox (got \"\(name)\")")
        }
    }
}
