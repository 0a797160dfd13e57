import Hummingbird
import PortcullisCore

extension ErrorKind {
    /// The HTTP status a page or problem document answers with.
    var status: HTTPResponse.Status {
        switch self {
        case .invalid: .unprocessableContent
        case .unauthenticated: .unauthorized
        case .notFound: .notFound
        case .conflict: .conflict
        case .limited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .misconfigured, .failed: .internalServerError
        }
    }

    /// An error page's heading.
    var title: String {
        switch self {
        case .invalid: "That cannot be used"
        case .unauthenticated: "Signed out"
        case .notFound: "Not found"
        case .conflict: "That could not be done"
        case .limited: "Busy"
        case .unavailable: "Not available right now"
        case .misconfigured, .failed: "Something went wrong"
        }
    }
}
