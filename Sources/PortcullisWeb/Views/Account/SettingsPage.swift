/// The user's settings (`settings`): their sign-in methods with rename, default, resync and remove; adding methods;
/// backup codes; remembered devices; other sessions.
struct SettingsPage: PageView {
    static let template = "settings"
    let title = "Settings"
    /// Two-step verification's state, in words.
    let mfaState: String
    /// External email first, then (after the default method) the other kinds, in the seeds' order.
    let firstSections: [SettingsSection]
    let sections: [SettingsSection]
    /// The user's own confirmed methods that may be the default.
    let defaultChoices: [OptionView]
    let hasDefaultChoices: Bool
    /// Whether the user has backup codes ("Regenerate" rather than "Get").
    let hasCodes: Bool
    /// Whether the user has a possession factor, which backup codes and a grid pattern can back up.
    let canHaveCodes: Bool
    /// The organization's recommended number of methods, when the user holds fewer.
    let recommendedFactorCount: Int?
    let password: PasswordStatusView
    /// Shown only where the organization uses challenge questions.
    let questions: ChallengeQuestionsView?
    /// The browsers the user chose to remember at sign-in, this one marked; the section shows when there are any or
    /// when the organization remembers devices (`rememberHint` then says how).
    var devices: [RememberedDeviceRow] = []
    var hasDevices = false
    var rememberHint: String?
    var showsDevices = false
    /// The confirmation asked before removing the last possession factor, with its backups.
    var confirmRemoval: RemovalConfirmationView?
    var notice: Notice?
}
