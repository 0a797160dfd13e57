import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import PortcullisCore
import ServiceLifecycle
import PortcullisTestKit
import PortcullisTestSupport
import Testing
@testable import PortcullisDelivery

@Suite("SMS providers")
struct SMSProviderTests {
    static let sid = "AC0123456789abcdef0123456789abcdef"
    static let token = "twilio-auth-token-7f3a9c"
    static let code = "482913"
    static let message = SMSMessage(to: "+447700900123", body: "Your Portcullis code is \(code)")

    // MARK: Twilio

    @Test("Twilio: the fake Messages API receives exactly the message, form-encoded with basic auth")
    func twilioSends() async throws {
        let recorder = Recorder()
        try await withServer(Self.fakeTwilio(recorder)) { port in
            let provider = TwilioSMSProvider(accountSID: Self.sid, authToken: Self.token, sender: .from("+15017122661"),
                                             baseURL: "http://127.0.0.1:\(port)/")
            try await provider.send(Self.message)
        }
        let requests = recorder.requests
        try #require(requests.count == 1)
        #expect(requests[0].path == "/2010-04-01/Accounts/\(Self.sid)/Messages.json")
        #expect(requests[0].form == ["To": "+447700900123", "From": "+15017122661", "Body": "Your Portcullis code is 482913"])
        #expect(requests[0].form["Body"]?.contains(Self.code) == true)
    }

    @Test("Twilio: a messaging service replaces From")
    func twilioMessagingService() async throws {
        let recorder = Recorder()
        try await withServer(Self.fakeTwilio(recorder)) { port in
            let provider = TwilioSMSProvider(accountSID: Self.sid, authToken: Self.token,
                                             sender: .messagingService(sid: "MG9752274e9e519418a7406176694466fa"),
                                             baseURL: "http://127.0.0.1:\(port)")
            try await provider.send(Self.message)
        }
        let form = try #require(recorder.requests.first).form
        #expect(form == ["To": "+447700900123", "MessagingServiceSid": "MG9752274e9e519418a7406176694466fa",
                         "Body": "Your Portcullis code is 482913"])
    }

    @Test("Twilio: wrong credentials are misconfiguration; the detail has no secret, code or body")
    func twilioWrongCredentials() async throws {
        let error = try await withServer(Self.fakeTwilio(Recorder())) { port in
            try await Self.deliveryError {
                try await TwilioSMSProvider(accountSID: Self.sid, authToken: "wrong-token", sender: .from("+15017122661"),
                                            baseURL: "http://127.0.0.1:\(port)").send(Self.message)
            }
        }
        #expect(error.kind == .misconfigured)
        #expect(error.detail == "twilio: HTTP 401, error 20003")
        for secret in ["wrong-token", Self.token, Self.code, "Authenticate"] { #expect(!error.detail.contains(secret)) }
    }

    @Test("Twilio: error 21211 is an invalid destination")
    func twilioInvalidNumber() async throws {
        let error = try await withServer(Self.fakeTwilio(Recorder())) { port in
            try await Self.deliveryError {
                try await TwilioSMSProvider(accountSID: Self.sid, authToken: Self.token, sender: .from("+15017122661"),
                                            baseURL: "http://127.0.0.1:\(port)")
                    .send(SMSMessage(to: "+15005550001", body: "Your Portcullis code is \(Self.code)"))
            }
        }
        #expect(error.kind == .invalidDestination)
        #expect(error.detail == "twilio: HTTP 400, error 21211")
        #expect(!error.detail.contains(Self.code))
    }

    @Test("Twilio: a server error is unavailable")
    func twilioServerError() async throws {
        let router = Router()
        router.post("/2010-04-01/Accounts/:sid/Messages.json") { _, _ in Response(status: .internalServerError) }
        let error = try await withServer(router) { port in
            try await Self.deliveryError {
                try await TwilioSMSProvider(accountSID: Self.sid, authToken: Self.token, sender: .from("+15017122661"),
                                            baseURL: "http://127.0.0.1:\(port)").send(Self.message)
            }
        }
        #expect(error.kind == .unavailable)
        #expect(error.detail == "twilio: HTTP 500")
    }

    @Test("Twilio: answers map to error kinds", arguments: [
        (201, "{\"sid\":\"SM1\"}", nil),
        (200, "", nil),
        (400, "{\"code\":21211,\"message\":\"Invalid 'To' Phone Number\"}", DeliveryError.Kind.invalidDestination),
        (400, "{\"code\":21614,\"message\":\"not a mobile number\"}", .invalidDestination),
        (400, "{\"code\":21610,\"message\":\"unsubscribed\"}", .invalidDestination),
        (400, "{\"code\":21606,\"message\":\"From is not a valid number\"}", .misconfigured),
        (401, "{\"code\":20003}", .misconfigured),
        (403, "", .misconfigured),
        (404, "{\"code\":20404}", .misconfigured),
        (400, "{\"code\":20003}", .misconfigured),
        (429, "{\"code\":20429}", .rateLimited),
        (400, "{\"code\":20429}", .rateLimited),
        (500, "<html>oops</html>", .unavailable),
        (503, "", .unavailable),
    ] as [(Int, String, DeliveryError.Kind?)])
    func twilioMapping(status: Int, body: String, kind: DeliveryError.Kind?) {
        let error = TwilioSMSProvider.error(status: status, body: Array(body.utf8))
        #expect(error?.kind == kind)
        #expect(error.map { !$0.detail.contains("message") && !$0.detail.contains("oops") } ?? true)
    }

    @Test("A server that never answers times out as unavailable")
    func neverAnswers() async throws {
        // Accepts connections and never writes a byte.
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let started = ContinuousClock.now
        let error = try await Self.deliveryError {
            try await TwilioSMSProvider(accountSID: Self.sid, authToken: Self.token, sender: .from("+15017122661"),
                                        baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(1)).send(Self.message)
        }
        let webhookError = try await Self.deliveryError {
            try await WebhookSMSProvider(url: "http://127.0.0.1:\(port)/sms", secret: "s", timeout: .seconds(1)).send(Self.message)
        }
        try await server.close()
        #expect(error.kind == .unavailable)
        #expect(webhookError.kind == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(30), "both gave up (1-second timeouts) instead of hanging")
        #expect(!error.detail.contains(Self.token))
    }

    @Test("Nothing listening is unavailable")
    func nothingListening() async throws {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(probe.localAddress?.port)
        try await probe.close()
        let started = ContinuousClock.now
        let error = try await Self.deliveryError {
            try await TwilioSMSProvider(accountSID: Self.sid, authToken: Self.token, sender: .from("+15017122661"),
                                        baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(2)).send(Self.message)
        }
        #expect(error.kind == .unavailable)
        #expect(error.detail.hasPrefix("twilio: request failed"))
        #expect(ContinuousClock.now - started < .seconds(30), "both gave up (1-second timeouts) instead of hanging")
    }

    @Test("Twilio's documented inbound signature example")
    func twilioInboundSignature() {
        // Checked independently with Python's hmac/hashlib/base64.
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        let parameters = ["CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
                          "From": "+12349013030", "To": "+18005551212"]
        #expect(TwilioSMSProvider.inboundSignatureIsValid(authToken: "12345", url: url, parameters: parameters,
                                                          signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))
        #expect(!TwilioSMSProvider.inboundSignatureIsValid(authToken: "12346", url: url, parameters: parameters,
                                                           signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))
        var changed = parameters
        changed["Digits"] = "1235"
        #expect(!TwilioSMSProvider.inboundSignatureIsValid(authToken: "12345", url: url, parameters: changed,
                                                           signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))
        #expect(!TwilioSMSProvider.inboundSignatureIsValid(authToken: "12345", url: url + "&x=1", parameters: parameters,
                                                           signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))
        #expect(!TwilioSMSProvider.inboundSignatureIsValid(authToken: "12345", url: url, parameters: parameters, signature: ""))
    }

    // MARK: Webhook

    @Test("Webhook: signed JSON, verified by the receiver and recomputed independently")
    func webhookSends() async throws {
        let secret = "webhook-shared-secret"
        let clock = ManualClock(Date(timeIntervalSince1970: 1_700_000_123))
        let recorder = Recorder()
        let router = Router()
        router.post("/sms") { request, _ -> Response in
            let recorded = try await Recorded(request)
            recorder.append(recorded)
            guard recorded.headers["content-type"] == "application/json",
                  let timestamp = recorded.headers["x-portcullis-timestamp"].flatMap({ Int($0) }),
                  let signature = recorded.headers["x-portcullis-signature"],
                  WebhookSMSProvider.signatureIsValid(secret: secret, timestamp: timestamp, body: recorded.body, signature: signature)
            else { return Response(status: .unauthorized) }
            return Response(status: .accepted)
        }
        try await withServer(router) { port in
            try await WebhookSMSProvider(url: "http://127.0.0.1:\(port)/sms", secret: secret, clock: clock).send(Self.message)
        }
        let request = try #require(recorder.requests.first)
        #expect(recorder.requests.count == 1)
        #expect(request.headers["x-portcullis-timestamp"] == "1700000123")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(json["to"] as? String == "+447700900123")
        #expect(json["body"] as? String == "Your Portcullis code is 482913")
        #expect(json["timestamp"] as? Int == 1_700_000_123)
        #expect(json.count == 3)
        // Independent computation of the signature.
        let mac = HMAC<SHA256>.authenticationCode(for: Data("1700000123.".utf8) + Data(request.body),
                                                  using: SymmetricKey(data: Data(secret.utf8)))
        let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        #expect(request.headers["x-portcullis-signature"] == expected)
        #expect(WebhookSMSProvider.signature(secret: secret, timestamp: 1_700_000_123, body: request.body) == expected)
        #expect(!WebhookSMSProvider.signatureIsValid(secret: "other", timestamp: 1_700_000_123, body: request.body, signature: expected))
    }

    @Test("Webhook: statuses map to error kinds", arguments: [
        (200, nil), (204, nil), (400, DeliveryError.Kind.invalidDestination), (422, .invalidDestination),
        (401, .misconfigured), (404, .misconfigured), (429, .rateLimited), (500, .unavailable), (503, .unavailable),
    ] as [(Int, DeliveryError.Kind?)])
    func webhookStatuses(status: Int, kind: DeliveryError.Kind?) async throws {
        let router = Router()
        router.post("/sms") { _, _ in Response(status: .init(code: status)) }
        let error = try await withServer(router) { port -> DeliveryError? in
            do {
                try await WebhookSMSProvider(url: "http://127.0.0.1:\(port)/sms", secret: "s").send(Self.message)
                return nil
            } catch let error as DeliveryError {
                return error
            }
        }
        #expect(error?.kind == kind)
        #expect(error.map { $0.detail == "webhook: HTTP \(status)" } ?? true)
    }

    // MARK: Outbox

    @Test("Outbox keeps the last 100 messages, newest first, and logs without the body")
    func outbox() async throws {
        let logs = LogCapture()
        let outbox = Outbox(logger: logs.logger())
        let sms = OutboxSMSProvider(outbox: outbox)
        for index in 1...105 {
            try await sms.send(SMSMessage(to: "+447700900123", body: "Your Portcullis code is \(100_000 + index)"))
        }
        try await OutboxEmailProvider(outbox: outbox).send(
            EmailMessage(from: "Portcullis <no-reply@example.com>", to: "jane@example.org", subject: "Your code", text: "Code 777111"))
        let messages = outbox.messages()
        #expect(messages.count == 100)
        #expect(messages.map(\.id) == Array((7...106).reversed()))
        #expect(messages[0] == OutboxMessage(id: 106, kind: .email, to: "jane@example.org", subject: "Your code",
                                             body: "Code 777111", time: messages[0].time))
        #expect(messages[1].kind == .sms && messages[1].body == "Your Portcullis code is 100105" && messages[1].subject == nil)
        #expect(messages.last?.body == "Your Portcullis code is 100007")

        let lines = logs.messages
        #expect(lines.count == 106)
        #expect(lines[0] == "message to +44•••23 placed in the development outbox, id 1")
        #expect(lines[105] == "email to j•••@example.org placed in the development outbox, id 106")
        #expect(!lines.contains { $0.contains("code") || $0.contains("777111") || $0.contains("900123") })
    }

    // MARK: Configuration

    // Reading PORTCULLIS_SMS_* into SMSSettings, and its errors: PortcullisAppTests/SMSSettingsTests.

    @Test("Settings make their provider; the outbox only with an outbox")
    func configuration() throws {
        let twilioSettings = SMSSettings.twilio(accountSID: Self.sid, authToken: Self.token, sender: .from("+15017122661"),
                                                baseURL: "http://127.0.0.1:9999")
        let twilio = try #require(twilioSettings.makeProvider(outbox: nil) as? TwilioSMSProvider)
        #expect(twilio.messagesURL == "http://127.0.0.1:9999/2010-04-01/Accounts/\(Self.sid)/Messages.json")
        #expect(twilio.sender == .from("+15017122661"))
        let service = try #require(SMSSettings.twilio(accountSID: Self.sid, authToken: Self.token, sender: .messagingService(sid: "MG1"),
                                                      baseURL: "https://api.twilio.com").makeProvider(outbox: nil) as? TwilioSMSProvider)
        #expect(service.sender == .messagingService(sid: "MG1"))
        #expect(service.baseURL == "https://api.twilio.com")

        let webhookSettings = SMSSettings.webhook(url: "https://gw.example.com/sms?token=urltoken", secret: "webhook-shared-secret")
        let webhook = webhookSettings.makeProvider(outbox: nil)
        #expect(webhook is WebhookSMSProvider)
        #expect(SMSSettings.outbox.makeProvider(outbox: Outbox()) is OutboxSMSProvider)
        #expect(SMSSettings.outbox.makeProvider(outbox: nil) == nil)

        // Secrets never show in descriptions, reflections or dumps.
        for provider in [twilio as Any, webhook as Any, twilioSettings as Any, webhookSettings as Any] {
            var dumped = ""
            dump(provider, to: &dumped)
            for text in [String(describing: provider), String(reflecting: provider), dumped] {
                #expect(!text.contains(Self.token) && !text.contains("webhook-shared-secret") && !text.contains("urltoken"), "\(text)")
            }
        }
        #expect(String(describing: twilio).contains(Self.sid))
        #expect(String(describing: twilioSettings).contains(Self.sid))
    }
}
