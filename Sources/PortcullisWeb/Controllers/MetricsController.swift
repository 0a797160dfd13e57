import Hummingbird
import PortcullisApp
import PortcullisCrypto

/// `/metrics`: the Prometheus text format (SPEC §8). Open like the health checks, or, with `PORTCULLIS_METRICS_TOKEN`
/// set, only for `Authorization: Bearer <token>` (compared in constant time; anything else gets 401 and no figures).
struct MetricsController {
    let app: Portcullis

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/metrics") { request, _ in
            if let token = app.configuration.server.metricsToken {
                let given = request.headers[.authorization] ?? ""
                guard given.hasPrefix("Bearer "), constantTimeEquals(String(given.dropFirst(7)), token) else {
                    return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer", .contentType: "text/plain; charset=utf-8"],
                                    body: .init(byteBuffer: ByteBuffer(string: "a metrics token is required\n")))
                }
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: app.metrics.exposition())))
        }
    }
}
