import Foundation
import PortcullisCore

/// Email codes on the web: an address that is still the factor's name is masked before the second factor, as phone
/// numbers are (whoever has only the password learns no address).
struct EmailPresenter: MessageCodePresenter {
    let type = EmailFactor().type
    let placement = FactorPlacement(title: "External email", hint: "An address outside the organization's own mail that can receive sign-in codes.",
                                    rank: 1, beforeDefault: true,
                                    recovery: .init(codeLabel: "Code we emailed you", sendLabel: "Email me a code", channel: .email))
    let channelName = "email"
    let addOption: AddOption? = AddOption(
        id: "email", title: "Email", description: "a code sent to a personal address",
        settingsTitle: "Add email", path: "/enroll/email")

    func maskedLabel(_ factor: Factor) -> String {
        factor.label.contains("@") ? EmailFactor.mask(factor.label) : factor.label
    }
}
