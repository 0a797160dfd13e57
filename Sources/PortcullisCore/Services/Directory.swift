import Foundation

/// Read-only lookups of organizations and users, for the fronts: they find whom a request is about here, and change
/// things only through the services that audit.
public struct Directory: Sendable {
    let repositories: Repositories

    public init(repositories: Repositories) {
        self.repositories = repositories
    }

    public func organization(id: String) async throws -> Organization? {
        try await repositories.organizations.find(id: id)
    }

    /// The organization with this slug; nil for a malformed slug without asking the database.
    public func organization(slug: String) async throws -> Organization? {
        guard Organization.isValidSlug(slug) else { return nil }
        return try await repositories.organizations.find(slug: slug)
    }

    public func organizations() async throws -> [Organization] {
        try await repositories.organizations.list()
    }

    public func user(id: String) async throws -> User? {
        try await repositories.users.find(id: id)
    }

    /// A user by the name they sign in with (normalized here); nil for a malformed name.
    public func user(organizationID: String, username: String) async throws -> User? {
        try await repositories.users.find(organizationID: organizationID, typedUsername: username)
    }

    public func users(organizationID: String) async throws -> [User] {
        try await repositories.users.list(organizationID: organizationID)
    }
}
