import Foundation
import Logging
import Mustache
import PortcullisCore
import PortcullisDelivery

/// Delivers security notices (SPEC §5) by email or SMS through the configured providers, worded by the
/// `security-*` templates. A failure is logged (without the address) and goes no further.
struct SecurityMessages: SecurityNotifier {
    let sms: (any SMSProvider)?
    let email: (any EmailProvider)?
    let emailFrom: String
    let templates: MustacheLibrary
    let logger: Logger

    /// What the templates show: the user's name, the organization, the time, and one section for the notice.
    struct View {
        struct Method { let method: String; let label: String }
        struct Count { let remaining: Int }
        struct Device { let device: String; let ip: String }
        let name: String
        let organization: String
        let time: String
        var factorAdded: Method?
        var factorRemoved: Method?
        var backupCodesRegenerated = false
        var backupCodesLow: Count?
        var passwordChanged = false
        var passwordReset = false
        var accountLocked = false
        var deviceRemembered: Device?
        var newDevice: Device?

        init(_ notice: SecurityNotice, user: User, organization: Organization, at date: Date) {
            name = user.displayName
            self.organization = organization.name
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = organization.policy.zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
            time = formatter.string(from: date)
            switch notice {
            case .factorAdded(let method, let label): factorAdded = Method(method: method, label: label)
            case .factorRemoved(let method, let label): factorRemoved = Method(method: method, label: label)
            case .backupCodesRegenerated: backupCodesRegenerated = true
            case .backupCodesLow(let remaining): backupCodesLow = Count(remaining: remaining)
            case .passwordChanged: passwordChanged = true
            case .passwordReset: passwordReset = true
            case .accountLocked: accountLocked = true
            case .deviceRemembered(let device): deviceRemembered = Device(device: device, ip: "")
            case .newDeviceSignIn(let device, let ip): newDevice = Device(device: device, ip: ip)
            }
        }
    }

    func deliver(_ notice: SecurityNotice, to destination: NoticeDestination, user: User, organization: Organization, at date: Date) async {
        let view = View(notice, user: user, organization: organization, at: date)
        do {
            switch destination.channel {
            case .email:
                guard let email else { throw DeliveryError(.misconfigured, detail: "no email provider configured") }
                let subject = render(view, "security-subject")
                try await email.send(EmailMessage(from: emailFrom, to: destination.address, subject: subject,
                                                  text: render(view, "security-email-text")))
            case .sms:
                guard let sms else { throw DeliveryError(.misconfigured, detail: "no SMS provider configured") }
                try await sms.send(SMSMessage(to: destination.address, body: render(view, "security-sms")))
            }
        } catch let error as DeliveryError {
            logger.warning("security notice not delivered", metadata: ["channel": "\(destination.channel.rawValue)", "detail": "\(error.detail)"])
        } catch {
            logger.warning("security notice not delivered", metadata: ["channel": "\(destination.channel.rawValue)", "error_type": "\(type(of: error))"])
        }
    }

    private func render(_ view: View, _ template: String) -> String {
        (templates.render(view, withTemplate: template) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
