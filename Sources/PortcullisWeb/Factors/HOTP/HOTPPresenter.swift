import Foundation
import Hummingbird
import PortcullisCore

/// Hardware tokens on the web: a typed code at the challenge, and a resync form in settings. Users do not add or
/// remove them; an admin assigns and takes them back (`AdminController`).
struct HOTPPresenter: FactorPresenter {
    let type = HOTPFactor().type
    let kind = "Device you have"
    let placement = FactorPlacement(title: "Hardware tokens", hint: "Tokens your administrator gave or lent you.", rank: 4,
                                    recovery: .init(codeLabel: "Code from your hardware token"))
    let addOption: AddOption? = nil

    func challenge(for factor: Factor, user: User, web: WebContext) async throws -> ChallengePart {
        let serial = (try? factor.parameters(as: HOTPParameters.self).serial) ?? factor.label
        return ChallengePart(prompt: "Press the button on your token (\(serial)) and enter the code it shows.", partial: "factors/hotp/challenge")
    }

    func response(from form: FormData, session: Session, user: User, web: WebContext) async throws -> FactorResponse? {
        typedCode(from: form)
    }

    func settingsRow(_ summary: FactorManagement.Summary) -> SettingsRowPart {
        SettingsRowPart(removable: false, actionsPartial: "factors/hotp/settings-actions")
    }

    func apiPrompt(for factor: Factor, sent: Bool) -> String { "Press the button on your token and enter the code." }
}
