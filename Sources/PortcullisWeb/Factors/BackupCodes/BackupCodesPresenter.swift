import Foundation
import Hummingbird
import PortcullisCore

/// Backup codes on the web: typed at the challenge; in settings the list shows how many are left and is not renamed.
/// A new list comes from its own settings button (`AccountController`), not from "add a method".
struct BackupCodesPresenter: FactorPresenter {
    let type = BackupCodesFactor().type
    let kind = "Codes you keep"
    let placement = FactorPlacement(title: "Backup codes", hint: "Single-use codes to keep somewhere safe, for when your other methods are out of reach.",
                                    rank: 7, offersNewList: true, recovery: .init(codeLabel: "Backup code"))
    let addOption: AddOption? = nil

    func challenge(for factor: Factor, user: User, web: WebContext) async throws -> ChallengePart {
        ChallengePart(prompt: "Enter one of your backup codes. Each code works once.", partial: "factors/backupCodes/challenge",
                      inputMode: "text", digitsOnly: false)
    }

    func response(from form: FormData, session: Session, user: User, web: WebContext) async throws -> FactorResponse? {
        typedCode(from: form)
    }

    func settingsRow(_ summary: FactorManagement.Summary) -> SettingsRowPart {
        SettingsRowPart(remainingCodes: summary.details.remainingCodes, renamable: false)
    }
}
