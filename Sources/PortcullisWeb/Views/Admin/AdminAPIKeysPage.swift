/// The API keys page (`admin-api-keys`): the keys with scope and last use, a new key's secret once, and the form.
struct AdminAPIKeysPage: PageView {
    static let template = "admin-api-keys"
    let title = "API keys"
    let nav: AdminNavView

    struct Row: Sendable {
        let id: String
        let name: String
        let scope: String
        let created: String
        let lastUsed: String
        let revoked: String?
    }

    let keys: [Row]
    let hasKeys: Bool
    /// Operators may create operator-wide admin keys.
    let isOperator: Bool
    /// A key just created, shown only now.
    let newKey: String?
}
