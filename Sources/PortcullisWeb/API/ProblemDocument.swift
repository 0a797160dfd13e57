import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// An RFC 9457 problem document (`application/problem+json`): how every JSON endpoint of ours reports an error, from
/// the error catalog's description. `type` names the stable code; clients match on `code`.
struct ProblemDocument: Codable, Sendable, Equatable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String

    init(_ description: ErrorDescription) {
        self.init(description, status: description.kind.status, title: description.kind.title)
    }

    /// A description answered with a status of its own (the admin API's refusals that are no domain error: 400, 403,
    /// 405, 501, …), titled by the status.
    init(_ description: ErrorDescription, status: HTTPResponse.Status, title: String? = nil) {
        self.type = "urn:portcullis:error:" + description.code
        self.title = title ?? status.reasonPhrase
        self.status = Int(status.code)
        self.detail = description.message
        self.code = description.code
    }

    /// The response carrying it, with its status.
    var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return Response(status: HTTPResponse.Status(code: status),
                        headers: [.contentType: "application/problem+json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The problem document for a code (one the web front raises itself, such as an ended session).
    static func response(code: String, kind: ErrorKind) -> Response {
        ProblemDocument(ErrorCatalog.describe(code: code, kind: kind)).response
    }
}
