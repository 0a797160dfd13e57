/// The hardware token inventory (`admin-tokens`): the tokens an admin manages and the seed file import.
struct AdminTokensPage: PageView {
    static let template = "admin-tokens"
    let title = "Hardware tokens"
    let nav: AdminNavView
    let tokens: [HardwareTokenView]
    let hasTokens: Bool
    /// Operators may import into the spare pool.
    let isOperator: Bool
    /// What stopped an import, line by line.
    let problems: [String]
    let hasProblems: Bool
    let notice: Notice?

    init(nav: AdminNavView, tokens: [HardwareTokenView], isOperator: Bool, problems: [String] = [], notice: Notice?) {
        self.nav = nav
        self.tokens = tokens
        self.hasTokens = !tokens.isEmpty
        self.isOperator = isOperator
        self.problems = problems
        self.hasProblems = !problems.isEmpty
        self.notice = notice
    }
}
