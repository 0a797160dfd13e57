import Foundation
import PortcullisCrypto

/// Keyset paging for the admin API's lists (`limit`, `cursor`, `next`): a page ends with the key of its last item, and
/// the next page starts after that key, so paging stays right while items come and go. The cursor is that key,
/// base64url-encoded: opaque to clients. The users list pages in its service (`UserAdministration.search`, which takes
/// the last username and gives the next); the other lists are whole in their services and their pages are cut here.
struct AdminAPIPaging {
    let limit: Int
    /// The key after which this page starts; nil for the first page.
    let after: [String]?

    static let defaultLimit = 50

    /// Reads `limit` (1 to 200, default 50) and `cursor`; anything else is refused with 400.
    init(limit: Int?, cursor: String?) throws {
        let limit = limit ?? Self.defaultLimit
        guard (1...200).contains(limit) else { throw AdminAPIProblem.badParameter("limit") }
        self.limit = limit
        guard let cursor else { after = nil; return }
        guard cursor.utf8.count <= 256, let bytes = Base64URL.decode(cursor),
              let parts = try? JSONDecoder().decode([String].self, from: Data(bytes)), !parts.isEmpty else { throw AdminAPIProblem.badCursor }
        after = parts
    }

    /// The key after which this page starts, when it is a single value (the users list's last username).
    var afterValue: String? { after?.first }

    /// The cursor of a page that ends with `key`.
    static func cursor(_ key: [String]) -> String? {
        (try? JSONEncoder().encode(key)).map(Base64URL.encode)
    }

    /// One page of `items`, which are in the order of `key` (compared element by element), and the cursor of the next
    /// page when there is one.
    func page<Item>(_ items: [Item], key: (Item) -> [String], ascending: Bool = true) -> (items: [Item], next: String?) {
        let remaining = after.map { after in
            items.filter { ascending ? after.lexicographicallyPrecedes(key($0)) : key($0).lexicographicallyPrecedes(after) }
        } ?? items
        let page = Array(remaining.prefix(limit))
        guard remaining.count > limit, let last = page.last else { return (page, nil) }
        return (page, Self.cursor(key(last)))
    }
}
