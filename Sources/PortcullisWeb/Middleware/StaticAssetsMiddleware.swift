import Foundation
import Hummingbird

/// Serves the few files in `Static/` from memory, before any session or database work.
struct StaticAssetsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let assets: [String: (contentType: String, body: ByteBuffer)]

    init() {
        var assets: [String: (String, ByteBuffer)] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        if let root = Bundle.module.resourcePath.map({ $0 + "/Static" }),
           let names = try? FileManager.default.contentsOfDirectory(atPath: root) {
            for name in names {
                guard let type = types[(name as NSString).pathExtension],
                      let data = FileManager.default.contents(atPath: root + "/" + name) else { continue }
                assets["/static/" + name] = (type, ByteBuffer(bytes: data))
            }
        }
        self.assets = assets
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/static/"), request.method == .get || request.method == .head else {
            return try await next(request, context)
        }
        guard let asset = assets[request.uri.path] else { throw HTTPError(.notFound) }
        return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"],
                        body: .init(byteBuffer: asset.body))
    }
}
