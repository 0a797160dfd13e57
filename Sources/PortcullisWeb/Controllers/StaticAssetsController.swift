import Foundation
import Hummingbird

/// Serves the few files in `Static/` from memory, one route each under `/static/`, before any session or database
/// work; they may be cached for an hour.
struct StaticAssetsController {
    private let assets: [String: (contentType: String, body: ByteBuffer)]

    init() {
        var assets: [String: (String, ByteBuffer)] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        if let root = Bundle.module.resourcePath.map({ $0 + "/Static" }),
           let names = try? FileManager.default.contentsOfDirectory(atPath: root) {
            for name in names {
                guard let type = types[(name as NSString).pathExtension],
                      let data = FileManager.default.contents(atPath: root + "/" + name) else { continue }
                assets[name] = (type, ByteBuffer(bytes: data))
            }
        }
        self.assets = assets
    }

    func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for (name, asset) in assets {
            let response = Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"],
                                    body: .init(byteBuffer: asset.body))
            router.get(RouterPath(stringLiteral: "/static/" + name)) { _, _ in response }
            router.head(RouterPath(stringLiteral: "/static/" + name)) { _, _ in response }
        }
    }
}
