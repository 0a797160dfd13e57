import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore
import PortcullisDelivery

/// Provider callbacks. `POST /webhooks/twilio/sms` receives inbound texts (Twilio's webhook format); the
/// `X-Twilio-Signature` must verify with the account's auth token over our public URL, or the request is refused.
/// These routes are exempt from CSRF (no browser posts them); the signature is their authentication.
struct WebhookController {
    let app: Portcullis
    static let twilioPath = "/webhooks/twilio/sms"

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.post(.init(stringLiteral: Self.twilioPath)) { request, context in try await twilioInbound(request: request, context: context) }
    }

    private func twilioInbound(request: Request, context: AppRequestContext) async throws -> Response {
        guard let authToken = app.configuration.values["PORTCULLIS_TWILIO_AUTH_TOKEN"], !authToken.isEmpty else {
            throw PageError.notFound
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = FormData(parsing: String(buffer: body))
        let url = app.configuration.baseURL + request.uri.description
        let signature = request.headers[.init("X-Twilio-Signature")!] ?? ""
        guard TwilioSMSProvider.inboundSignatureIsValid(authToken: authToken, url: url, parameters: form.fields, signature: signature) else {
            context.logger.warning("inbound SMS refused: bad signature")
            return Response(status: .forbidden)
        }
        let confirmed = try await app.messageCodes.confirmInbound(from: form.text("From"), body: form.text("Body"))
        context.logger.info("inbound SMS received", metadata: ["matched": "\(confirmed)"])
        return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")))
    }
}
