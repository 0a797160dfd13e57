import PortcullisCore

extension ErrorKind {
    /// The process's exit status for an error of this kind, after sysexits(3): 1 for what the caller can fix in their
    /// arguments, 69 (EX_UNAVAILABLE) when a service is down or a limit was reached, 70 (EX_SOFTWARE) when stored data
    /// cannot be read, 78 (EX_CONFIG) when the server's configuration is wrong.
    var exitCode: Int32 {
        switch self {
        case .invalid, .unauthenticated, .notFound, .conflict: 1
        case .limited, .unavailable: 69
        case .failed: 70
        case .misconfigured: 78
        }
    }
}
