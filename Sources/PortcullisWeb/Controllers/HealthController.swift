import Hummingbird
import PortcullisApp

/// `/healthz`: the process answers. `/readyz`: and its database answers (SPEC §8).
struct HealthController {
    let app: Portcullis

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ in
            let ready = await app.isReady()
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "database unavailable\n")))
        }
    }
}
