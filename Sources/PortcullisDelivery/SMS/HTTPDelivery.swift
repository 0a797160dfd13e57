import AsyncHTTPClient
import Foundation
import NIOCore

/// The HTTP exchange shared by the HTTP-based SMS providers: one POST with a deadline, every transport failure
/// turned into `DeliveryError.unavailable` whose detail names the failure but never the request or response body.
enum HTTPDelivery {
    struct Reply {
        var status: Int
        var body: ByteBuffer
    }

    /// Response bodies larger than this are not read (only error JSON is ever looked at).
    static let maxResponseBytes = 64 * 1024

    static func post(
        provider: String, client: HTTPClient, url: String, headers: [(String, String)], body: [UInt8], timeout: Duration
    ) async throws(DeliveryError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeAmount(timeout))
            let status = Int(response.status.code)
            let collected = (try? await response.body.collect(upTo: maxResponseBytes)) ?? ByteBuffer()
            return Reply(status: status, body: collected)
        } catch {
            throw DeliveryError(.unavailable, detail: "\(provider): request failed (\(describe(error)))")
        }
    }

    /// A short name for a transport error, without URLs or payloads.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        if error is CancellationError { return "cancelled" }
        return String(describing: type(of: error))
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// `scheme://host[:port]` of a URL, for descriptions: paths and queries may carry tokens.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "<invalid URL>"
        }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}
