import PortcullisCore

/// One kind of sign-in method on the settings page (`settings-section`): its heading, the user's methods of that
/// kind, and the button that adds one. The kinds come in the order of their presenters' `placement`.
struct SettingsSection: Sendable {
    let type: String
    let title: String
    let hint: String?
    let rows: [SettingsFactorRow]
    let hasRows: Bool
    let add: AddOption?
    /// The backup codes' section also offers a new list.
    let backupCodes: Bool
    /// Shown before the default-method section.
    let beforeDefault: Bool

    /// The sections for these rows and the ways the user may add a method (those of types the policy allows). A kind
    /// the user has none of and cannot add (not allowed, or handed out by an administrator) is left out.
    static func sections(rows: [SettingsFactorRow], presenters: FactorPresenters, methods: FactorMethods,
                         canHaveCodes: Bool) -> [SettingsSection] {
        presenters.all.sorted { $0.placement.rank < $1.placement.rank }.compactMap { presenter in
            let placement = presenter.placement
            let mine = rows.filter { $0.type == presenter.type.rawValue }
            let add = methods.allowsEnrollment(presenter.type) ? presenter.addOption.flatMap { $0.firstFactor || canHaveCodes ? $0 : nil } : nil
            guard !mine.isEmpty || add != nil || placement.offersNewList else { return nil }
            return SettingsSection(type: presenter.type.rawValue, title: placement.title, hint: placement.hint, rows: mine, hasRows: !mine.isEmpty,
                                   add: add, backupCodes: placement.offersNewList, beforeDefault: placement.beforeDefault)
        }
    }
}
