/// One hardware token (`admin-token`): its state, assign or lend, take back, resynchronize, disable.
struct AdminTokenPage: PageView {
    static let template = "admin-token"
    let title: String
    let nav: AdminNavView
    let token: HardwareTokenView
    /// Operators may assign or lend to another organization's users.
    let isOperator: Bool
    /// The admin's organization's time zone, in which a typed due time is read.
    let zone: String
    let notice: Notice?

    init(nav: AdminNavView, token: HardwareTokenView, isOperator: Bool, zone: String, notice: Notice?) {
        self.title = "Token \(token.serial)"
        self.nav = nav
        self.token = token
        self.isOperator = isOperator
        self.zone = zone
        self.notice = notice
    }
}
