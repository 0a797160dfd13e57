import Foundation
import PortcullisCrypto

/// Hardware tokens (RFC 4226): credit-card tokens from the inventory, assigned or lent to a user. The factor row points
/// at the token (`HOTPParameters`); the token row holds the sealed seed and the counter, which advances only on
/// success and atomically, so two nodes can never both accept one code.
public struct HOTPFactor: TrailingCodeFactorMethod {
    public let descriptor = FactorDescriptor(type: .hotp, strength: .possession, amr: "hwk", displayName: "Hardware token",
                                             userRemovable: false)

    public init() {}

    /// The token behind a factor, while its holder may use it.
    func usableToken(of factor: Factor, context: FactorContext) async throws -> HardwareToken? {
        let parameters = try factor.parameters(as: HOTPParameters.self)
        guard let token = try await context.tokens.find(id: parameters.tokenID), token.userID == factor.userID,
              token.isUsable(at: context.clock.now) else { return nil }
        return token
    }

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        guard case .code(let typed) = response else { return .rejected(reason: FactorCheck.wrongResponse) }
        guard let token = try await usableToken(of: factor, context: context) else { return .rejected(reason: "token_unavailable") }
        let code = OneTimePassword.normalize(typed)
        guard code.count == token.digits else { return .rejected(reason: "bad_code") }
        let seed = try context.secrets.open(token.sealedSeed, context: token.seedContext)
        let window = max(1, context.policy.hotpLookAhead)
        guard let matched = Self.search(seed: seed, token: token, from: token.counter, count: window, codes: [code]) else {
            // The code just before the counter is the last one accepted: a double submit or a replay, not a guess.
            let last = token.counter > 0
                ? OneTimePassword.hotp(secret: seed, counter: UInt64(token.counter - 1), digits: token.digits, algorithm: token.algorithm) : ""
            return .rejected(reason: constantTimeEquals(last, code) ? FactorCheck.replayed : "bad_code")
        }
        guard try await context.tokens.advanceCounter(id: token.id, to: matched + 1, at: context.clock.now) else {
            return .rejected(reason: FactorCheck.replayed)
        }
        return .accepted
    }

    /// Whether `code` is within the look-ahead window now, or the last one accepted, without using it up.
    public func matchesNow(_ code: String, factor: Factor, context: FactorContext) async throws -> Bool {
        guard let token = try await usableToken(of: factor, context: context), code.count == token.digits else { return false }
        let seed = try context.secrets.open(token.sealedSeed, context: token.seedContext)
        let from = max(0, token.counter - 1)
        return Self.search(seed: seed, token: token, from: from, count: max(1, context.policy.hotpLookAhead) + Int(token.counter - from), codes: [code]) != nil
    }

    public func codeLength(of factor: Factor, context: FactorContext) async throws -> Int? {
        try await usableToken(of: factor, context: context)?.digits
    }

    public func details(of factor: Factor, context: FactorContext) async throws -> FactorDetails {
        FactorDetails(serial: try factor.parameters(as: HOTPParameters.self).serial)
    }

    /// The confirmed factor that stands for `token` once it is given to `user` (not stored yet).
    static func factor(for token: HardwareToken, user: User, context: FactorContext) throws -> Factor {
        var factor = Factor(id: context.random.identifier(), userID: user.id, type: .hotp, label: "Token \(token.serial)",
                            confirmed: true, createdAt: context.clock.now)
        try factor.setParameters(HOTPParameters(tokenID: token.id, serial: token.serial))
        return factor
    }

    /// Whether `factor` stands for `token`.
    static func stands(for token: HardwareToken, _ factor: Factor) -> Bool {
        factor.type == .hotp && (try? factor.parameters(as: HOTPParameters.self).tokenID) == token.id
    }

    /// Resynchronizes a token that was pressed many times unused: two consecutive codes are searched in the wider
    /// window, and on a match the counter moves past them. Returns whether it matched.
    public static func resync(token: HardwareToken, first: String, second: String, context: FactorContext) async throws -> Bool {
        let codes = [OneTimePassword.normalize(first), OneTimePassword.normalize(second)]
        guard codes.allSatisfy({ $0.count == token.digits }) else { return false }
        let seed = try context.secrets.open(token.sealedSeed, context: token.seedContext)
        guard let matched = search(seed: seed, token: token, from: token.counter, count: max(2, context.policy.hotpResyncWindow), codes: codes) else {
            return false
        }
        return try await context.tokens.advanceCounter(id: token.id, to: matched + 2, at: context.clock.now)
    }

    /// The first counter in `from..<from+count` where `codes` appear at consecutive counters. Every candidate is
    /// computed and compared in constant time, so the time taken does not say where a match was.
    static func search(seed: [UInt8], token: HardwareToken, from: Int64, count: Int, codes: [String]) -> Int64? {
        var expected: [String] = []
        expected.reserveCapacity(count + codes.count)
        for offset in 0..<(count + codes.count - 1) {
            expected.append(OneTimePassword.hotp(secret: seed, counter: UInt64(from) + UInt64(offset), digits: token.digits, algorithm: token.algorithm))
        }
        var matched: Int64?
        for start in 0..<count {
            var all = true
            for (i, code) in codes.enumerated() where !constantTimeEquals(expected[start + i], code) { all = false }
            if all, matched == nil { matched = from + Int64(start) }
        }
        return matched
    }
}
