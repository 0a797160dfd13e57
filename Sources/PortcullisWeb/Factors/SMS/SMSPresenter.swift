import Foundation
import PortcullisCore

/// Text messages on the web: phone numbers are shown masked until the second factor is answered.
struct SMSPresenter: MessageCodePresenter {
    let type = SMSFactor().type
    let channelName = "text message"
    let addOption: AddOption? = AddOption(
        id: "sms", title: "Text message", description: "a code sent to your mobile phone",
        settingsTitle: "Add phone (text message)", path: "/enroll/sms")
}
