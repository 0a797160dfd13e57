import Hummingbird
import PortcullisDelivery

/// Lets a Twilio callback through only when its `X-Twilio-Signature` verifies with the account's auth token over our
/// public URL and the form it carries; the form goes on in the context. Without a configured token, the routes do
/// not exist (404).
struct TwilioSignatureMiddleware: RouterMiddleware {
    typealias Context = WebhookRequestContext
    let authToken: String?
    let baseURL: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authToken, !authToken.isEmpty else { throw HTTPError(.notFound) }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = FormData(parsing: String(buffer: body))
        let signature = request.headers[.init("X-Twilio-Signature")!] ?? ""
        guard TwilioSMSProvider.inboundSignatureIsValid(authToken: authToken, url: baseURL + request.uri.description,
                                                        parameters: form.fields, signature: signature) else {
            context.logger.warning("webhook refused: bad signature")
            return Response(status: .forbidden)
        }
        var context = context
        context.form = form
        return try await next(request, context)
    }
}
