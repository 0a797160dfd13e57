import Foundation
import Logging
import Mustache
import PortcullisCore
import PortcullisDelivery

/// Delivers sign-in and enrollment codes through the configured SMS and email providers, with the wording (and the
/// email's text and HTML parts) from Mustache templates.
struct CodeMessages: CodeDelivery {
    let sms: (any SMSProvider)?
    let email: (any EmailProvider)?
    let emailFrom: String
    let templates: MustacheLibrary
    let logger: Logger

    /// What the message templates show.
    private struct MessageView {
        let code: String
        let organization: String
        /// Confirming a new address or number, rather than signing in.
        let enrollment: Bool
        /// How long the code lasts.
        let minutes: Int
    }

    func deliver(_ channel: MessageChannel, to destination: String, code: String, purpose: CodePurpose, organization: Organization) async throws {
        let values = MessageView(code: code, organization: organization.name, enrollment: purpose == .enrollment, minutes: 5)
        do {
            switch channel {
            case .sms:
                guard let sms else { throw DeliveryError(.misconfigured, detail: "no SMS provider configured") }
                let body = templates.render(values, withTemplate: "sms-code")?.trimmingCharacters(in: .whitespacesAndNewlines)
                    ?? "Your \(organization.name) code is \(code)"
                try await sms.send(SMSMessage(to: destination, body: body))
            case .email:
                guard let email else { throw DeliveryError(.misconfigured, detail: "no email provider configured") }
                let subject = purpose == .enrollment ? "Confirm your email for \(organization.name)" : "Your \(organization.name) sign-in code"
                try await email.send(EmailMessage(
                    from: emailFrom, to: destination, subject: subject,
                    text: templates.render(values, withTemplate: "email-code-text") ?? "Your code is \(code)",
                    html: templates.render(values, withTemplate: "email-code-html")))
            }
        } catch let error as DeliveryError {
            logger.warning("code delivery failed", metadata: ["channel": "\(channel.rawValue)", "detail": "\(error.detail)"])
            throw CodeDeliveryFailure(error.kind.problem, detail: error.detail)
        } catch {
            logger.warning("code delivery failed", metadata: ["channel": "\(channel.rawValue)", "error_type": "\(type(of: error))"])
            throw CodeDeliveryFailure(.providerUnavailable, detail: "\(type(of: error))")
        }
    }
}

extension DeliveryError.Kind {
    /// The domain's name for a provider's failure.
    var problem: CodeSendProblem {
        switch self {
        case .invalidDestination: .destinationRefused
        case .unavailable, .misconfigured: .providerUnavailable
        case .rateLimited: .providerThrottled
        }
    }
}
