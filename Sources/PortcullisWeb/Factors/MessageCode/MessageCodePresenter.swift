import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// What the SMS and email presenters share: the challenge with its "Send code" form (a code is sent only when asked
/// for), an inbound SMS code where the organization has a number, and the enrollment controller.
protocol MessageCodePresenter: FactorPresenter {
    /// How the channel is named in sentences ("text message", "email").
    var channelName: String { get }
}

extension MessageCodePresenter {
    var kind: String { "Code sent to you" }

    func challenge(for factor: Factor, user: User, web: WebContext) async throws -> ChallengePart {
        let app = web.app
        let organization = try await web.organization(of: user)
        var live = try await app.messageCodes.latest(factorID: factor.id)
        if live.map({ $0.consumedAt != nil || $0.expiresAt <= app.clock.now }) ?? true { live = nil }
        let label = maskedLabel(factor)
        var part = ChallengePart(
            prompt: live != nil ? "Enter the code we sent by \(channelName) to \(label)."
                                : "Choose Send code to get a code by \(channelName) at \(label), then enter it here.",
            partial: "factors/\(type.rawValue)/challenge", canSend: true, hasCode: live != nil)
        let inbound = (app.methods[factor.type] as? any MessageCodeFactor)?.acceptsInboundReplies == true && organization.policy.inboundSMSActive
        if inbound, let code = live?.inboundCode, let number = organization.policy.inboundSMSNumber {
            part.inbound = InboundSMSView(code: code, number: number)
            part.script = "inbound"
        }
        return part
    }

    func response(from form: FormData, session: Session, user: User, web: WebContext) async throws -> FactorResponse? {
        form["inbound"] == "1" ? .inboundConfirmation : typedCode(from: form)
    }

    func apiPrompt(for factor: Factor, sent: Bool) -> String {
        sent ? "Enter the code we sent by \(channelName) to \(factor.label)." : "Enter the code from the \(channelName) we sent."
    }

    func registerEnrollment(web: WebContext, browser: some RouterMethods<AppRequestContext>, signedIn: some RouterMethods<SignedInContext>) {
        MessageEnrollmentController(web: web, presenter: self).register(on: browser)
    }
}
