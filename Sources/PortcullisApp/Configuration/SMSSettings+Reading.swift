import Foundation
import PortcullisDelivery

extension SMSSettings {
    /// Reads the SMS provider; nil when `PORTCULLIS_SMS_PROVIDER` is unset or empty.
    ///
    /// `PORTCULLIS_SMS_PROVIDER`: `twilio`, `webhook` or `outbox` (only when `development`).
    /// - twilio: `PORTCULLIS_TWILIO_ACCOUNT_SID`, `PORTCULLIS_TWILIO_AUTH_TOKEN`, and `PORTCULLIS_TWILIO_FROM` or
    ///   `PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID`; optionally `PORTCULLIS_TWILIO_BASE_URL` (default `https://api.twilio.com`).
    /// - webhook: `PORTCULLIS_SMS_WEBHOOK_URL` and `PORTCULLIS_SMS_WEBHOOK_SECRET`.
    public init?(reading read: ConfigurationReader, development: Bool) throws {
        guard let provider = read.string("PORTCULLIS_SMS_PROVIDER")?.lowercased() else { return nil }
        func required(_ name: String) throws -> String {
            guard let found = read.string(name) else {
                throw ConfigurationError.required(name: name, when: "PORTCULLIS_SMS_PROVIDER=\(provider)")
            }
            return found
        }
        func httpURL(_ name: String, _ url: String) throws -> String {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased()),
                  components.host?.isEmpty == false
            else { throw ConfigurationError.malformed(name: name, expected: "an http:// or https:// URL") }
            return url
        }

        switch provider {
        case "twilio":
            let sid = try required("PORTCULLIS_TWILIO_ACCOUNT_SID")
            let token = try required("PORTCULLIS_TWILIO_AUTH_TOKEN")
            let sender: TwilioSMSProvider.Sender
            if let service = read.string("PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID") {
                sender = .messagingService(sid: service)
            } else if let from = read.string("PORTCULLIS_TWILIO_FROM") {
                sender = .from(from)
            } else {
                throw ConfigurationError.required(name: "PORTCULLIS_TWILIO_FROM or PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID",
                                                  when: "PORTCULLIS_SMS_PROVIDER=twilio")
            }
            let baseURL = try read.string("PORTCULLIS_TWILIO_BASE_URL").map { try httpURL("PORTCULLIS_TWILIO_BASE_URL", $0) }
            self = .twilio(accountSID: sid, authToken: token, sender: sender, baseURL: baseURL ?? "https://api.twilio.com")
        case "webhook":
            let url = try httpURL("PORTCULLIS_SMS_WEBHOOK_URL", try required("PORTCULLIS_SMS_WEBHOOK_URL"))
            self = .webhook(url: url, secret: try required("PORTCULLIS_SMS_WEBHOOK_SECRET"))
        case "outbox":
            guard development else { throw ConfigurationError.developmentOnly("PORTCULLIS_SMS_PROVIDER=outbox") }
            self = .outbox
        default:
            throw ConfigurationError.malformed(name: "PORTCULLIS_SMS_PROVIDER", expected: "twilio, webhook or outbox (got \"\(provider)\")")
        }
    }
}
