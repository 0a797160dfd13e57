import Foundation

/// Whether a user must use a second factor, and why (SPEC §4.2): their own requirement, their groups', or the
/// organization's for everyone. The requirement is the union of the three.
public struct MFARequirement: Sendable, Equatable {
    public var byUser: Bool
    /// Names of the user's groups that require it.
    public var byGroups: [String]
    public var byOrganization: Bool

    public init(byUser: Bool = false, byGroups: [String] = [], byOrganization: Bool = false) {
        self.byUser = byUser
        self.byGroups = byGroups
        self.byOrganization = byOrganization
    }

    public var isRequired: Bool { byUser || !byGroups.isEmpty || byOrganization }

    /// The requirement of one user under an organization's (effective) policy.
    public static func of(_ user: User, policy: SecurityPolicy, groups: any GroupRepository) async throws -> MFARequirement {
        MFARequirement(byUser: user.mfaRequired, byGroups: try await groups.requiringMFA(userIDs: [user.id])[user.id] ?? [],
                       byOrganization: policy.mfaRequiredForEveryone)
    }
}
