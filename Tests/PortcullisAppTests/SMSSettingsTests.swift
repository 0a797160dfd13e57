import Foundation
import PortcullisDelivery
import Testing
@testable import PortcullisApp

/// `PORTCULLIS_SMS_*` and `PORTCULLIS_TWILIO_*` read through the configuration reader into `SMSSettings`.
@Suite("SMS settings")
struct SMSSettingsTests {
    static let sid = "AC0123456789abcdef0123456789abcdef"
    static let token = "twilio-auth-token-7f3a9c"

    func read(_ values: [String: String], development: Bool = false) throws -> SMSSettings? {
        try SMSSettings(reading: ConfigurationReader(values), development: development)
    }

    func failure(_ values: [String: String], development: Bool = false) -> String {
        do {
            _ = try read(values, development: development)
            return "no error"
        } catch {
            #expect(error is ConfigurationError)
            return "\(error)"
        }
    }

    @Test("Configuration picks the provider and names what is missing")
    func providerChoice() throws {
        #expect(try read([:]) == nil)
        #expect(try read(["PORTCULLIS_SMS_PROVIDER": ""], development: true) == nil)

        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "twilio"])
            == "PORTCULLIS_TWILIO_ACCOUNT_SID is required when PORTCULLIS_SMS_PROVIDER=twilio")
        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "twilio", "PORTCULLIS_TWILIO_ACCOUNT_SID": Self.sid])
            .contains("PORTCULLIS_TWILIO_AUTH_TOKEN"))
        let noSender = failure(["PORTCULLIS_SMS_PROVIDER": "twilio", "PORTCULLIS_TWILIO_ACCOUNT_SID": Self.sid,
                                "PORTCULLIS_TWILIO_AUTH_TOKEN": Self.token])
        #expect(noSender == "PORTCULLIS_TWILIO_FROM or PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID is required when PORTCULLIS_SMS_PROVIDER=twilio")
        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "twilio", "PORTCULLIS_TWILIO_ACCOUNT_SID": Self.sid,
                         "PORTCULLIS_TWILIO_AUTH_TOKEN": Self.token, "PORTCULLIS_TWILIO_FROM": "+15017122661",
                         "PORTCULLIS_TWILIO_BASE_URL": "ftp://x"]) == "PORTCULLIS_TWILIO_BASE_URL must be an http:// or https:// URL")
        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "webhook"]) == "PORTCULLIS_SMS_WEBHOOK_URL is required when PORTCULLIS_SMS_PROVIDER=webhook")
        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "webhook", "PORTCULLIS_SMS_WEBHOOK_URL": "gw.example.com/sms"])
            == "PORTCULLIS_SMS_WEBHOOK_URL must be an http:// or https:// URL")
        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "webhook", "PORTCULLIS_SMS_WEBHOOK_URL": "https://gw.example.com/sms"])
            .contains("PORTCULLIS_SMS_WEBHOOK_SECRET"))
        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "outbox"])
            == "PORTCULLIS_SMS_PROVIDER=outbox is only available in development mode (PORTCULLIS_DEV=1)")
        #expect(failure(["PORTCULLIS_SMS_PROVIDER": "carrier-pigeon"])
            == "PORTCULLIS_SMS_PROVIDER must be twilio, webhook or outbox (got \"carrier-pigeon\")")

        #expect(try read([
            "PORTCULLIS_SMS_PROVIDER": "twilio", "PORTCULLIS_TWILIO_ACCOUNT_SID": Self.sid,
            "PORTCULLIS_TWILIO_AUTH_TOKEN": Self.token, "PORTCULLIS_TWILIO_FROM": "+15017122661",
            "PORTCULLIS_TWILIO_BASE_URL": "http://127.0.0.1:9999",
        ]) == .twilio(accountSID: Self.sid, authToken: Self.token, sender: .from("+15017122661"), baseURL: "http://127.0.0.1:9999"))
        #expect(try read([
            "PORTCULLIS_SMS_PROVIDER": "Twilio", "PORTCULLIS_TWILIO_ACCOUNT_SID": Self.sid, "PORTCULLIS_TWILIO_FROM": "+15017122661",
            "PORTCULLIS_TWILIO_AUTH_TOKEN": Self.token, "PORTCULLIS_TWILIO_MESSAGING_SERVICE_SID": "MG1",
        ]) == .twilio(accountSID: Self.sid, authToken: Self.token, sender: .messagingService(sid: "MG1"), baseURL: "https://api.twilio.com"))
        #expect(try read([
            "PORTCULLIS_SMS_PROVIDER": "webhook", "PORTCULLIS_SMS_WEBHOOK_URL": "https://gw.example.com/sms?token=urltoken",
            "PORTCULLIS_SMS_WEBHOOK_SECRET": "webhook-shared-secret",
        ]) == .webhook(url: "https://gw.example.com/sms?token=urltoken", secret: "webhook-shared-secret"))
        #expect(try read(["PORTCULLIS_SMS_PROVIDER": "outbox"], development: true) == .outbox)
    }

    @Test("Through the whole configuration: outbox follows PORTCULLIS_DEV, and an error stops loading")
    func throughConfiguration() throws {
        let dev = try Configuration.load(environment: ["PORTCULLIS_DEV": "1", "PORTCULLIS_SMS_PROVIDER": "outbox"], directory: "/nonexistent")
        #expect(dev.sms == .outbox)
        #expect(throws: ConfigurationError.developmentOnly("PORTCULLIS_SMS_PROVIDER=outbox")) {
            try Configuration.load(environment: ["PORTCULLIS_SMS_PROVIDER": "outbox"], directory: "/nonexistent")
        }
        let webhook = try Configuration.load(environment: [
            "PORTCULLIS_SMS_PROVIDER": "webhook", "PORTCULLIS_SMS_WEBHOOK_URL": "https://gw.example.com/sms",
            "PORTCULLIS_SMS_WEBHOOK_SECRET": "s", "PORTCULLIS_TWILIO_AUTH_TOKEN": Self.token,
        ], directory: "/nonexistent")
        // Inbound Twilio webhooks are verified with the token whatever the outgoing provider.
        #expect(webhook.webhooks.twilioAuthToken == Self.token)
    }
}
