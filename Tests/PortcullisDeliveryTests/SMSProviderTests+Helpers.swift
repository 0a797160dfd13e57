import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import PortcullisCore
import ServiceLifecycle
import PortcullisTestSupport
import Testing
@testable import PortcullisDelivery

/// The fake providers and the server that runs them, for `SMSProviderTests`.
extension SMSProviderTests {
    // MARK: Helpers

    /// A Twilio-like Messages API: checks basic auth, content type and fields; `+15005550001` is an invalid number.
    static func fakeTwilio(_ recorder: Recorder) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/2010-04-01/Accounts/:sid/Messages.json") { request, context -> Response in
            let recorded = try await Recorded(request)
            recorder.append(recorded)
            let expected = "Basic " + Data("\(sid):\(token)".utf8).base64EncodedString()
            guard context.parameters.get("sid") == sid, recorded.headers["authorization"] == expected else {
                return json(.unauthorized, #"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#)
            }
            guard recorded.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true else {
                return json(.unsupportedMediaType, #"{"code":20001,"message":"Unsupported media type","status":415}"#)
            }
            let form = recorded.form
            guard let to = form["To"], let body = form["Body"], form["From"] != nil || form["MessagingServiceSid"] != nil else {
                return json(.badRequest, #"{"code":21604,"message":"A 'To' phone number is required.","status":400}"#)
            }
            if to == "+15005550001" {
                return json(.badRequest, #"{"code":21211,"message":"The 'To' number +15005550001 is not a valid phone number.","status":400}"#)
            }
            let answer: [String: Any] = ["sid": "SM\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())",
                                         "account_sid": sid, "to": to, "from": form["From"] ?? NSNull(), "body": body,
                                         "status": "queued", "num_segments": "1", "error_code": NSNull()]
            let data = try JSONSerialization.data(withJSONObject: answer)
            return json(.created, String(decoding: data, as: UTF8.self))
        }
        return router
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Runs `test` against a real Hummingbird server on 127.0.0.1 and an ephemeral port, then stops the server.
    func withServer<T: Sendable>(
        _ router: Router<BasicRequestContext>, _ test: @Sendable @escaping (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-provider")
        logger.logLevel = .error
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw ServerDidNotStart()
            }
            let result: Result<T, any Error>
            do { result = .success(try await test(port)) } catch { result = .failure(error) }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }

    struct ServerDidNotStart: Error {}

    /// The `DeliveryError` thrown by `body`; fails the test if it throws nothing or something else.
    static func deliveryError(_ body: () async throws -> Void) async throws -> DeliveryError {
        do {
            try await body()
        } catch let error as DeliveryError {
            return error
        }
        Issue.record("expected a DeliveryError")
        return DeliveryError(.unavailable, detail: "none thrown")
    }
}

extension SMSProviderTests {
    /// One request as the fake server saw it.
    struct Recorded: Sendable {
        var path: String
        /// Lower-cased names.
        var headers: [String: String]
        var body: [UInt8]

        init(_ request: Request) async throws {
            var request = request
            let buffer = try await request.collectBody(upTo: 64 * 1024)
            path = request.uri.path
            headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { $1 })
            body = Array(buffer.readableBytesView)
        }

        /// The body decoded as `application/x-www-form-urlencoded`.
        var form: [String: String] {
            var fields: [String: String] = [:]
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
                }
                fields[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            return fields
        }
    }

    /// Requests seen by a fake server.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [Recorded] = []
        func append(_ request: Recorded) { lock.withLock { stored.append(request) } }
        var requests: [Recorded] { lock.withLock { stored } }
    }
}
