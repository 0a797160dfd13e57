import Foundation

/// A named set of an organization's users (SPEC §4.2); a group may require two-factor for its members. A user may be
/// in several groups.
public struct Group: Sendable, Codable, Equatable {
    public var id: String
    public var organizationID: String
    public var name: String
    /// Every member must use a second factor.
    public var mfaRequired: Bool
    public var createdAt: Date
    /// Members, when read with the list.
    public var memberCount: Int

    public init(id: String, organizationID: String, name: String, mfaRequired: Bool = false, createdAt: Date, memberCount: Int = 0) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.mfaRequired = mfaRequired
        self.createdAt = createdAt
        self.memberCount = memberCount
    }

    /// Names are trimmed, 1 to 64 characters without control characters; unique within an organization regardless
    /// of case.
    public static func cleanName(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...64).contains(trimmed.count), !trimmed.hasControlCharacters else { return nil }
        return trimmed
    }
}

/// Storage for groups and their members.
public protocol GroupRepository: Sendable {
    /// Throws `RepositoryError.conflict` when the organization has a group of that name (any case).
    func insert(_ group: Group) async throws
    func find(id: String) async throws -> Group?
    /// An organization's groups by name, with their member counts.
    func list(organizationID: String) async throws -> [Group]
    /// Throws `RepositoryError.conflict` when the name is taken.
    func update(_ group: Group) async throws
    func delete(id: String) async throws
    /// Adds a member; false when they already were one.
    func addMember(groupID: String, userID: String) async throws -> Bool
    /// Removes a member; false when they were not one.
    func removeMember(groupID: String, userID: String) async throws -> Bool
    func members(groupID: String) async throws -> [User]
    /// The groups a user is in, by name.
    func groups(userID: String) async throws -> [Group]
    /// For each of these users, the names of their groups that require two-factor (users in none are left out).
    func requiringMFA(userIDs: [String]) async throws -> [String: [String]]
}

extension String {
    /// Whether it holds a control character (NUL, a newline, an escape), which names may not.
    var hasControlCharacters: Bool { unicodeScalars.contains { $0.properties.generalCategory == .control } }
}
