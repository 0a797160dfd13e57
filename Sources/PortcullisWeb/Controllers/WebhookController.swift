import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// Provider callbacks. `POST /webhooks/twilio/sms` receives inbound texts (Twilio's webhook format); its group's
/// `TwilioSignatureMiddleware` has verified the signature before the handler runs.
struct WebhookController {
    let app: Portcullis

    func register(on router: some RouterMethods<AppRequestContext>) {
        let twilio = router.group("/webhooks/twilio", context: WebhookRequestContext.self)
            .add(middleware: TwilioSignatureMiddleware(authToken: app.configuration.webhooks.twilioAuthToken,
                                                       baseURL: app.configuration.server.baseURL))
        twilio.post("/sms") { _, context in try await twilioInbound(context: context) }
    }

    private func twilioInbound(context: WebhookRequestContext) async throws -> Response {
        let confirmed = try await app.messageCodes.confirmInbound(from: context.form.text("From"), body: context.form.text("Body"))
        context.logger.info("inbound SMS received", metadata: ["matched": "\(confirmed)"])
        return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")))
    }
}
