import PortcullisCore

/// A hardware token as the admin pages show it.
struct HardwareTokenView: Sendable {
    let id: String
    let serial: String
    let state: String
    /// In the operator's spare pool (no organization).
    let pool: Bool
    let digits: Int
    let algorithm: String
    let counter: Int64
    let lastUsedAt: String
    /// Which actions the state allows: assign or lend, take back, enable.
    let unassigned: Bool
    let held: Bool
    let disabled: Bool
    /// Who holds it (username) and until when, if lent.
    let holder: String?
    let lentUntil: String?

    init(_ token: HardwareToken, holder: User?) {
        self.id = token.id
        self.serial = token.serial
        self.state = token.state.rawValue
        self.pool = token.organizationID == nil
        self.digits = token.digits
        self.algorithm = token.algorithm.rawValue
        self.counter = token.counter
        self.lastUsedAt = token.lastUsedAt.map(Factor.format) ?? "never"
        self.unassigned = token.state == .unassigned
        self.held = token.state == .assigned || token.state == .lent
        self.disabled = token.state == .disabled
        self.holder = holder?.username
        self.lentUntil = token.lentUntil.map(Factor.format)
    }
}
