import Foundation

/// A search of an organization's users (the admin users list and the admin API): text, filters and a page.
public struct UserQuery: Sendable, Equatable {
    public var organizationID: String
    /// Part of the username, name or email, any case.
    public var text: String?
    public var mfa: MFAState?
    public var locked: Bool?
    public var disabled: Bool?
    public var groupID: String?
    /// The last username of the previous page.
    public var after: String?
    public var limit: Int
    /// Set by the service: the factor types that count towards MFA, and whether the organization requires it of
    /// everyone (both decide the MFA filter).
    public var possessionTypes: [FactorType] = []
    public var everyoneRequired: Bool = false
    /// The time locks are judged at.
    public var now: Date = Date()

    public init(organizationID: String, text: String? = nil, mfa: MFAState? = nil, locked: Bool? = nil, disabled: Bool? = nil,
                groupID: String? = nil, after: String? = nil, limit: Int = 50) {
        self.organizationID = organizationID
        self.text = text
        self.mfa = mfa
        self.locked = locked
        self.disabled = disabled
        self.groupID = groupID
        self.after = after
        self.limit = limit
    }
}

/// One user in a list, with what the list shows beside them.
public struct UserListing: Sendable, Equatable {
    public var user: User
    /// Confirmed factors that count towards MFA.
    public var possessionFactorCount: Int

    public init(user: User, possessionFactorCount: Int) {
        self.user = user
        self.possessionFactorCount = possessionFactorCount
    }
}
