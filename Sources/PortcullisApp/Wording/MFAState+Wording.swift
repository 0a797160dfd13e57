import PortcullisCore

extension MFAState {
    /// The words administrators know from the firms' own documentation (SPEC §2.3).
    public var label: String {
        switch self {
        case .enabled: "Enabled"
        case .pending: "Pending setup on next login"
        case .none: "Not set up"
        }
    }
}
