import PortcullisCore

/// One sign-in method in the settings table, with what its actions need; the type-specific part (a note, whether it
/// is renamed or removed here, its own actions) comes from its presenter.
struct SettingsFactorRow: Sendable {
    let id: String
    let type: String
    let label: String
    /// The kind of method ("Authenticator app") and what kind of factor it is ("Device you have").
    let typeName: String
    let strength: String
    let isDefault: Bool
    let canBeDefault: Bool
    let createdAt: String
    let lastUsedAt: String
    let part: SettingsRowPart
    /// Whether a count of unused codes is shown (`part.remainingCodes`).
    let hasRemaining: Bool

    init(_ summary: FactorManagement.Summary, methods: FactorMethods, presenters: FactorPresenters) {
        let factor = summary.factor
        let presenter = presenters[factor.type]
        self.id = factor.id
        self.type = factor.type.rawValue
        self.label = factor.label
        self.typeName = methods[factor.type]?.displayName ?? factor.type.rawValue
        self.strength = presenter?.kind ?? ""
        self.isDefault = factor.isDefault
        self.canBeDefault = methods.canBeDefault(factor)
        self.createdAt = Factor.format(factor.createdAt)
        self.lastUsedAt = factor.lastUsedAt.map(Factor.format) ?? "never"
        self.part = presenter?.settingsRow(summary) ?? SettingsRowPart()
        self.hasRemaining = part.remainingCodes != nil
    }
}
