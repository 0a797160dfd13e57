import Foundation

/// Who made a change or an attempt, recorded with every audit event (SPEC §4.4).
public enum AuditActor: Sendable, Equatable, Hashable {
    /// The user themselves (signing in, managing their own factors), by user id.
    case user(String)
    /// An administrator or operator acting on someone else, by user id.
    case admin(String)
    /// A caller of the verification API or the admin API, by API key id (the id is unique across both scopes).
    case apiClient(String)
    /// Someone not identified yet: a sign-in attempt for a username that does not exist.
    case anonymous
    /// The `portcullis` command line on the server.
    case cli
    /// Portcullis itself: the first start, housekeeping (a lent token falling due).
    case system

    /// The stored form: `user:<id>`, `admin:<id>`, `api:<key id>`, `anonymous`, `cli`, `system`.
    public var stored: String {
        switch self {
        case .user(let id): "user:\(id)"
        case .admin(let id): "admin:\(id)"
        case .apiClient(let id): "api:\(id)"
        case .anonymous: "anonymous"
        case .cli: "cli"
        case .system: "system"
        }
    }

    /// Reads the stored form; nil for values this version does not know.
    public init?(stored: String) {
        switch stored {
        case "anonymous": self = .anonymous
        case "cli": self = .cli
        case "system": self = .system
        default:
            let parts = stored.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { return nil }
            switch parts[0] {
            case "user": self = .user(parts[1])
            case "admin": self = .admin(parts[1])
            case "api": self = .apiClient(parts[1])
            default: return nil
            }
        }
    }
}

extension AuditActor: Codable {
    public init(from decoder: any Decoder) throws {
        let stored = try decoder.singleValueContainer().decode(String.self)
        guard let actor = AuditActor(stored: stored) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown actor \(stored)"))
        }
        self = actor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(stored)
    }
}
