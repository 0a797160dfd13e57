import Foundation
import PortcullisCrypto

/// Authenticator apps (RFC 6238). The secret is 160 random bits sealed at rest; `counter` holds the last accepted
/// time step, so a code, once accepted, is never accepted again.
public struct TOTPFactor: FactorMethod {
    public let type = FactorType.totp
    public let strength = FactorStrength.possession
    public let amr = "otp"
    public let displayName = "Authenticator app"
    public let canBeDefault = true

    public init() {}

    /// A started enrollment: the unconfirmed factor and what to show the user.
    public struct Enrollment: Sendable {
        public var factor: Factor
        public var secret: [UInt8]
        public var settings: TOTPSettings

        public var secretBase32: String { Base32.encode(secret) }

        /// The secret in groups of four for typing.
        public var groupedSecret: String {
            var groups: [String] = []
            var current = ""
            for c in secretBase32 {
                current.append(c)
                if current.count == 4 { groups.append(current); current = "" }
            }
            if !current.isEmpty { groups.append(current) }
            return groups.joined(separator: " ")
        }

        /// The `otpauth://` key URI (Google Authenticator's format) with issuer and account.
        public func keyURI(issuer: String, account: String) -> String {
            let label = Self.escape("\(issuer):\(account)")
            var uri = "otpauth://totp/\(label)?secret=\(secretBase32)&issuer=\(Self.escape(issuer))"
            uri += "&algorithm=\(settings.algorithm.rawValue)&digits=\(settings.digits)&period=\(settings.period)"
            return uri
        }

        private static func escape(_ s: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
        }
    }

    /// Starts enrolling an authenticator app: replaces any unfinished TOTP enrollment with a fresh secret.
    public func beginEnrollment(userID: String, label: String, context: FactorContext) async throws -> Enrollment {
        try await context.factors.deleteUnconfirmed(userID: userID, type: .totp)
        let settings = context.policy.totp
        let secret = context.random.bytes(20)
        let id = context.random.identifier()
        var factor = Factor(
            id: id, userID: userID, type: .totp, label: label,
            parameters: ["algorithm": settings.algorithm.rawValue, "digits": String(settings.digits),
                         "period": String(settings.period)],
            createdAt: context.clock.now)
        factor.sealedSecret = try context.secrets.seal(secret, context: factor.secretContext)
        try await context.factors.insert(factor)
        return Enrollment(factor: factor, secret: secret, settings: settings)
    }

    /// Reopens an unconfirmed enrollment (to show it again after a wrong code).
    public func enrollment(for factor: Factor, context: FactorContext) throws -> Enrollment {
        Enrollment(factor: factor, secret: try secret(of: factor, context: context), settings: settings(of: factor, drift: context.policy.totp.drift))
    }

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        let settings = settings(of: factor, drift: context.policy.totp.drift)
        let code = OneTimePassword.normalize(response.code)
        guard code.count == settings.digits else { return .rejected(reason: "bad_code") }
        let secret = try secret(of: factor, context: context)
        let now = OneTimePassword.timeStep(at: context.clock.now, period: settings.period)
        // Check every step in the window, so the time taken does not say which one matched.
        var matched: Int64?
        for step in (now - Int64(settings.drift))...(now + Int64(settings.drift)) {
            let expected = OneTimePassword.hotp(secret: secret, counter: UInt64(step), digits: settings.digits, algorithm: settings.algorithm)
            if constantTimeEquals(expected, code), matched == nil { matched = step }
        }
        guard let step = matched else { return .rejected(reason: "bad_code") }
        guard try await context.factors.advanceCounter(id: factor.id, to: step, at: context.clock.now) else {
            return .rejected(reason: FactorCheck.replayed)
        }
        return .accepted
    }

    /// Whether `code` is one of this factor's codes for now (used or not), without using it up: the verification API
    /// finds a code at the end of `pass` this way. A used one is then refused as a replay, not taken for a password.
    public func matchesNow(_ code: String, factor: Factor, context: FactorContext) async throws -> Bool {
        let settings = settings(of: factor, drift: context.policy.totp.drift)
        guard code.count == settings.digits else { return false }
        let secret = try secret(of: factor, context: context)
        let now = OneTimePassword.timeStep(at: context.clock.now, period: settings.period)
        var matched = false
        for step in (now - Int64(settings.drift))...(now + Int64(settings.drift)) {
            let expected = OneTimePassword.hotp(secret: secret, counter: UInt64(step), digits: settings.digits, algorithm: settings.algorithm)
            if constantTimeEquals(expected, code) { matched = true }
        }
        return matched
    }

    func settings(of factor: Factor, drift: Int) -> TOTPSettings {
        TOTPSettings(
            algorithm: factor.parameters["algorithm"].flatMap(OTPAlgorithm.init(rawValue:)) ?? .sha1,
            digits: factor.parameters["digits"].flatMap(Int.init) ?? 6,
            period: factor.parameters["period"].flatMap(Int.init) ?? 30,
            drift: drift)
    }

    func secret(of factor: Factor, context: FactorContext) throws -> [UInt8] {
        guard let sealed = factor.sealedSecret else { throw SecretBoxError.malformed }
        return try context.secrets.open(sealed, context: factor.secretContext)
    }
}
