import Foundation
import PortcullisCrypto

/// Authenticator apps (RFC 6238). The secret is 160 random bits sealed at rest; `counter` holds the last accepted
/// time step, so a code, once accepted, is never accepted again.
public struct TOTPFactor: TrailingCodeFactorMethod {
    public let descriptor = FactorDescriptor(type: .totp, strength: .possession, amr: "otp", displayName: "Authenticator app")

    public init() {}

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        guard case .code(let typed) = response else { return .rejected(reason: FactorCheck.wrongResponse) }
        let parameters = try factor.parameters(as: TOTPParameters.self)
        let code = OneTimePassword.normalize(typed)
        guard code.count == parameters.digits else { return .rejected(reason: "bad_code") }
        guard let step = try matchingStep(code, factor: factor, parameters: parameters, context: context) else { return .rejected(reason: "bad_code") }
        guard try await context.factors.advanceCounter(id: factor.id, to: step, at: context.clock.now) else {
            return .rejected(reason: FactorCheck.replayed)
        }
        return .accepted
    }

    /// Whether `code` is one of this factor's codes for now (used or not), without using it up: the verification API
    /// finds a code at the end of `pass` this way. A used one is then refused as a replay, not taken for a password.
    public func matchesNow(_ code: String, factor: Factor, context: FactorContext) async throws -> Bool {
        let parameters = try factor.parameters(as: TOTPParameters.self)
        guard code.count == parameters.digits else { return false }
        return try matchingStep(code, factor: factor, parameters: parameters, context: context) != nil
    }

    public func codeLength(of factor: Factor, context: FactorContext) async throws -> Int? {
        try factor.parameters(as: TOTPParameters.self).digits
    }

    /// The time step in the drift window whose code is `code`. Every step is checked, so the time taken does not
    /// say which one matched.
    private func matchingStep(_ code: String, factor: Factor, parameters: TOTPParameters, context: FactorContext) throws -> Int64? {
        let secret = try secret(of: factor, context: context)
        let drift = Int64(context.policy.totp.drift)
        let now = OneTimePassword.timeStep(at: context.clock.now, period: parameters.period)
        var matched: Int64?
        for step in (now - drift)...(now + drift) {
            let expected = OneTimePassword.hotp(secret: secret, counter: UInt64(step), digits: parameters.digits, algorithm: parameters.algorithm)
            if constantTimeEquals(expected, code), matched == nil { matched = step }
        }
        return matched
    }

    func secret(of factor: Factor, context: FactorContext) throws -> [UInt8] {
        guard let sealed = factor.sealedSecret else { throw SecretBoxError.malformed }
        return try context.secrets.open(sealed, context: factor.secretContext)
    }
}
