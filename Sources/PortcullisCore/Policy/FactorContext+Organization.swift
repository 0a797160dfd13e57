import Foundation

extension FactorContext {
    /// The context for one organization's users: its policy laid over the server's (`SecurityPolicy.applying`).
    public func applying(_ organization: Organization) -> FactorContext {
        var context = self
        context.policy = policy.applying(organization)
        return context
    }

    /// The same for the organization with this id (one query); the server's policy if it is gone.
    public func forOrganization(id: String) async throws -> FactorContext {
        guard let organization = try await repositories.organizations.find(id: id) else { return self }
        return applying(organization)
    }

    /// The factor registry under this context's policy (which types may be a default).
    public var methods: FactorMethods { .forPolicy(policy) }

    /// Whether a user must use a second factor, and why, under this context's policy.
    public func mfaRequirement(of user: User) async throws -> MFARequirement {
        try await MFARequirement.of(user, policy: policy, groups: repositories.groups)
    }
}
