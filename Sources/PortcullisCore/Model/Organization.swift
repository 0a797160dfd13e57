import Foundation

/// A tenant: one firm with its own users, policy and sign-in page (`/o/{slug}/login`).
public struct Organization: Sendable, Codable, Equatable {
    public var id: String
    public var slug: String
    public var name: String
    public var createdAt: Date
    public var policy: OrganizationPolicy

    public init(id: String, slug: String, name: String, createdAt: Date, policy: OrganizationPolicy = OrganizationPolicy()) {
        self.id = id
        self.slug = slug
        self.name = name
        self.createdAt = createdAt
        self.policy = policy
    }

    /// The organization created on first start; `/login` signs in to it.
    public static let defaultSlug = "default"

    /// Slugs are lowercase letters, digits and hyphens, 1 to 63 characters, starting with a letter or digit.
    public static func isValidSlug(_ slug: String) -> Bool {
        guard (1...63).contains(slug.count), let first = slug.unicodeScalars.first, first != "-" else { return false }
        return slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
