import Foundation
import PortcullisCrypto

/// The channels a code is sent over.
public enum MessageChannel: String, Sendable {
    case sms
    case email
}

/// What SMS and email factors share: a code sent to a destination kept in the factor's parameters, checked against
/// the latest challenge (hash, expiry, tries of this code, single use), or an inbound SMS confirmation.
public protocol MessageCodeFactor: CodeFactorMethod {
    associatedtype Parameters: FactorParameters
    var channel: MessageChannel { get }
    /// Whether the user may answer by texting a code to the organization's number instead (SMS only).
    var acceptsInboundReplies: Bool { get }
    func parameters(destination: String) -> Parameters
    func destination(in parameters: Parameters) -> String
}

extension MessageCodeFactor {
    public var acceptsInboundReplies: Bool { false }

    /// The phone number or address codes go to.
    public func destination(of factor: Factor) throws -> String {
        destination(in: try factor.parameters(as: Parameters.self))
    }

    public func codeLength(of factor: Factor, context: FactorContext) async throws -> Int? {
        context.policy.messageCodes.digits
    }

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        let now = context.clock.now
        let typed: String
        switch response {
        case .code(let code): typed = code
        case .inboundConfirmation where acceptsInboundReplies: typed = ""
        default: return .rejected(reason: FactorCheck.wrongResponse)
        }
        guard let challenge = try await context.challenges.latest(factorID: factor.id) else { return .rejected(reason: "no_code") }
        guard challenge.expiresAt > now else { return .rejected(reason: "expired_code") }
        if case .inboundConfirmation = response {
            guard challenge.consumedAt == nil else { return .rejected(reason: FactorCheck.replayed) }
            guard challenge.inboundConfirmedAt != nil else { return .rejected(reason: "inbound_not_confirmed") }
            return try await consume(challenge, factor: factor, context: context)
        }
        let code = OneTimePassword.normalize(typed)
        guard code.count == context.policy.messageCodes.digits else { return .rejected(reason: "bad_code") }
        if challenge.consumedAt != nil {
            // The code was used: a double submit or a replay is told apart from a guess, so it is not counted.
            let hash = try await context.hasher.rawHash(code, salt: challenge.salt)
            return .rejected(reason: constantTimeEquals(hash, challenge.codeHash) ? FactorCheck.replayed : "no_code")
        }
        guard try await context.challenges.countAttempt(id: challenge.id, limit: context.policy.messageCodes.maxTries) != nil else {
            return .rejected(reason: "too_many_tries")
        }
        let hash = try await context.hasher.rawHash(code, salt: challenge.salt)
        guard constantTimeEquals(hash, challenge.codeHash) else { return .rejected(reason: "bad_code") }
        return try await consume(challenge, factor: factor, context: context)
    }

    private func consume(_ challenge: MessageChallenge, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        guard try await context.challenges.consume(id: challenge.id, at: context.clock.now) else {
            return .rejected(reason: FactorCheck.replayed)
        }
        try await context.factors.markUsed(id: factor.id, at: context.clock.now)
        return .accepted
    }

    /// Starts enrolling a destination: a new unconfirmed factor. Earlier unfinished ones are left alone (a racing
    /// request may be sending a code to one) and swept once stale.
    public func beginEnrollment(userID: String, destination: String, label: String, context: FactorContext) async throws -> Factor {
        var factor = Factor(id: context.random.identifier(), userID: userID, type: type, label: label, createdAt: context.clock.now)
        try factor.setParameters(parameters(destination: destination))
        try await context.factors.insert(factor)
        return factor
    }
}
