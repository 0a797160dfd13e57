import Foundation
import Hummingbird
import PortcullisApp

/// Times every request into `portcullis_http_request_duration_seconds`, labelled by route pattern (`/admin/tokens/{id}`,
/// never the concrete path, so the series stay few), method and status. Sits outside the error pages, so it sees the
/// status the client got.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: PortcullisMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: start)
            return response
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status,
                              duration: ContinuousClock.now - start)
    }
}
