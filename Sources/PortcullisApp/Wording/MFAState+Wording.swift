import PortcullisCore

extension MFAState {
    /// The words administrators know from the firms' own documentation (SPEC §2.3).
    public var label: String {
        switch self {
        case .enabled: "Enabled"
        case .pending: "Pending setup on next login"
        case .none: "No"
        }
    }
}

extension MFARequirement {
    /// Where the requirement comes from, as the admin pages say it ("required by group Accounting"); nil when none.
    public var source: String? {
        var reasons: [String] = []
        if byOrganization { reasons.append("required for everyone") }
        if !byGroups.isEmpty { reasons.append("required by group " + byGroups.joined(separator: ", ")) }
        if byUser { reasons.append("required by an administrator") }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
