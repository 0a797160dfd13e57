/// The admin area's navigation (`admin-nav` partial): its sections, the current one marked, and for operators the
/// organization being administered with a switch.
struct AdminNavView: Sendable {
    struct Item: Sendable {
        let label: String
        let href: String
        let current: Bool
    }

    let items: [Item]
    let organizationName: String
    /// Operators choose the organization they administer.
    let switcher: Switcher?

    struct Switcher: Sendable {
        let options: [Option]
    }

    struct Option: Sendable {
        let slug: String
        let name: String
        let selected: Bool
    }

    enum Section: String, CaseIterable, Sendable {
        case users = "Users", groups = "Groups", policy = "Policy", tokens = "Tokens", audit = "Audit log", apiKeys = "API keys"

        var path: String {
            switch self {
            case .users: "/admin/users"
            case .groups: "/admin/groups"
            case .policy: "/admin/policy"
            case .tokens: "/admin/tokens"
            case .audit: "/admin/audit"
            case .apiKeys: "/admin/api-keys"
            }
        }
    }

    init(current: Section, organizationName: String, options: [Option]? = nil) {
        self.items = Section.allCases.map { Item(label: $0.rawValue, href: $0.path, current: $0 == current) }
        self.organizationName = organizationName
        self.switcher = options.map(Switcher.init(options:))
    }
}
