import Foundation
import PortcullisCore

/// Email codes on the web: an address that is still the factor's name is masked before the second factor, as phone
/// numbers are (whoever has only the password learns no address).
struct EmailPresenter: MessageCodePresenter {
    let type = EmailFactor().type
    let channelName = "email"
    let addOption: AddOption? = AddOption(
        id: "email", title: "Email", description: "a code sent to a personal address",
        settingsTitle: "Add email", path: "/enroll/email")

    func maskedLabel(_ factor: Factor) -> String {
        factor.label.contains("@") ? EmailFactor.mask(factor.label) : factor.label
    }
}
