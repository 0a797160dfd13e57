import PortcullisApp
import PortcullisCore

/// Who calls the admin API: an admin key with its organization, or none for an operator-wide key (every organization
/// and the spare-token pool). The generated handlers take only their operation's input, so `AdminAPIMiddleware` hands
/// the caller to them as a task-local value.
struct AdminAPICaller: Sendable {
    let key: APIKey
    /// The key's organization; nil for an operator-wide key.
    let organization: Organization?
    let ip: String

    @TaskLocal static var current: AdminAPICaller?

    /// Every change is audited with the key as the actor (`api:<key id>`).
    var actor: AuditActor { .apiClient(key.id) }

    var isOperatorWide: Bool { organization == nil }

    /// What the administration services look things up through: the key's organization (every one for an
    /// operator-wide key), so another organization's user or group is not found; changes are audited with the key.
    var scope: AdminScope { AdminScope(actor: actor, organizationID: organization?.id) }

    /// Whether the caller sees something of `organizationID` (nil: the spare pool): an organization's key sees its own
    /// organization's only, and anything else answers 404 as if it did not exist.
    func sees(organizationID: String?) -> Bool {
        guard let organization else { return true }
        return organizationID == organization.id
    }

    /// The organization an operation acts on: an organization key's own (`org` may name it, and nothing else: 403);
    /// for an operator-wide key the one `org` names, or the default organization when absent, as on the command line.
    func organization(named slug: String?, directory: Directory) async throws -> Organization {
        if let organization {
            guard slug == nil || slug == organization.slug else { throw AdminAPIProblem.forbidden }
            return organization
        }
        let slug = slug ?? Organization.defaultSlug
        guard let found = try await directory.organization(slug: slug) else { throw AdminAPIProblem.unknownOrganization(slug) }
        return found
    }

    /// Operator-wide keys only (the spare pool, making an operator).
    func requireOperatorWide() throws {
        guard isOperatorWide else { throw AdminAPIProblem.forbidden }
    }
}
