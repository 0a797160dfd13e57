import Foundation
import PortcullisCrypto

/// What SMS and email factors share: a code sent to a destination kept in `parameters`, checked against the latest
/// challenge (hash, expiry, tries of this code, single use), or an inbound SMS confirmation.
public protocol MessageCodeFactor: FactorMethod {
    /// The `parameters` key holding the destination (`phone` or `email`).
    var destinationKey: String { get }
}

extension MessageCodeFactor {
    public var strength: FactorStrength { .outOfBand }
    public var canBeDefault: Bool { true }

    public func destination(of factor: Factor) -> String? { factor.parameters[destinationKey] }

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        let now = context.clock.now
        guard let challenge = try await context.challenges.latest(factorID: factor.id) else { return .rejected(reason: "no_code") }
        guard challenge.expiresAt > now else { return .rejected(reason: "expired_code") }
        if response.fields["inbound"] == "1" {
            guard challenge.consumedAt == nil else { return .rejected(reason: FactorCheck.replayed) }
            guard challenge.inboundConfirmedAt != nil else { return .rejected(reason: "inbound_not_confirmed") }
            return try await consume(challenge, factor: factor, context: context)
        }
        let code = OneTimePassword.normalize(response.code)
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
        let factor = Factor(id: context.random.identifier(), userID: userID, type: type, label: label,
                            parameters: [destinationKey: destination], createdAt: context.clock.now)
        try await context.factors.insert(factor)
        return factor
    }
}
