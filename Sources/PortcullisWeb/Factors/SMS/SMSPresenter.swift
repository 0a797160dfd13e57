import Foundation
import PortcullisCore

/// Text messages on the web: phone numbers are shown masked until the second factor is answered.
struct SMSPresenter: MessageCodePresenter {
    let type = SMSFactor().type
    let placement = FactorPlacement(title: "Phone numbers", hint: "Numbers that receive sign-in codes by text message; give each a name.",
                                    rank: 2, recovery: .init(codeLabel: "Code we texted you", sendLabel: "Text me a code", channel: .sms))
    let channelName = "text message"
    let addOption: AddOption? = AddOption(
        id: "sms", title: "Text message", description: "a code sent to your mobile phone",
        settingsTitle: "Add phone (text message)", path: "/enroll/sms")
}
