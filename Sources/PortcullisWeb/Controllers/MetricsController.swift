import Hummingbird
import PortcullisApp
import PortcullisCrypto

/// `/metrics`: the Prometheus text format (SPEC §8). With `PORTCULLIS_METRICS_TOKEN` set, only for
/// `Authorization: Bearer <token>` (compared in constant time; anything else gets 401 and no figures). Without a token,
/// only for a scraper on this host (a loopback client address; behind a proxy, with `PORTCULLIS_TRUST_PROXY`, the
/// forwarded one): secure by default, like a management port that listens on localhost.
struct MetricsController {
    let app: Portcullis

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/metrics") { request, context in
            if let token = app.configuration.server.metricsToken {
                let given = request.headers[.authorization] ?? ""
                guard given.hasPrefix("Bearer "), constantTimeEquals(String(given.dropFirst(7)), token) else {
                    return Self.text(.unauthorized, "a metrics token is required\n", headers: [.wwwAuthenticate: "Bearer"])
                }
            } else if !Self.isLoopback(context.clientIP) {
                return Self.text(.forbidden, "metrics are served to this host only; set PORTCULLIS_METRICS_TOKEN to scrape from elsewhere\n")
            }
            return Self.text(.ok, app.metrics.exposition(), headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"])
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address == "::ffff:127.0.0.1"
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String, headers: HTTPFields = [:]) -> Response {
        var fields: HTTPFields = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"]
        for field in headers { fields[field.name] = field.value }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
