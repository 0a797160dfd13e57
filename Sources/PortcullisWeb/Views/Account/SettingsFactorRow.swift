import PortcullisCore

/// One sign-in method in the settings table, with what its actions need.
struct SettingsFactorRow: Sendable {
    let id: String
    let type: String
    let label: String
    /// The kind of method ("Authenticator app") and how strong a kind it is.
    let typeName: String
    let strength: String
    let isDefault: Bool
    let canBeDefault: Bool
    let createdAt: String
    let lastUsedAt: String
    /// Backup codes: no rename, and how many are unused.
    let isCodes: Bool
    let remaining: Int?
    /// A hardware token: resync instead of remove (an admin takes it back).
    let isToken: Bool
    /// A security key's kind, as far as the credential says ("Synced passkey", "Passkey", "Device-bound key").
    let keyKind: String?

    init(_ summary: FactorManagement.Summary, methods: FactorMethods) {
        let factor = summary.factor
        let method = methods[factor.type]
        self.id = factor.id
        self.type = factor.type.rawValue
        self.label = factor.label
        self.typeName = method?.displayName ?? factor.type.rawValue
        self.strength = method.map { $0.type == .backupCodes ? "Codes you keep" : $0.descriptor.kind } ?? ""
        self.isDefault = factor.isDefault
        self.canBeDefault = method?.canBeDefault ?? false
        self.createdAt = Factor.format(factor.createdAt)
        self.lastUsedAt = factor.lastUsedAt.map(Factor.format) ?? "never"
        self.isCodes = factor.type == .backupCodes
        self.remaining = summary.details.remainingCodes
        self.isToken = factor.type == .hotp
        // Synced passkeys are backed up.
        self.keyKind = summary.details.keyBackedUp.map { backedUp in
            backedUp ? "Synced passkey" : (summary.details.keyBackupEligible == true ? "Passkey" : "Device-bound key")
        }
    }
}
