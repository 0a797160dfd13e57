import Foundation
import PortcullisCrypto

extension TOTPFactor {
    /// A started enrollment: the unconfirmed factor and what to show the user. It is finished by a correct code
    /// (`FactorManagement.confirm`).
    public struct Enrollment: Sendable {
        public var factor: Factor
        public var secret: [UInt8]
        public var parameters: TOTPParameters

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
            uri += "&algorithm=\(parameters.algorithm.rawValue)&digits=\(parameters.digits)&period=\(parameters.period)"
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
        try await context.factors.deleteUnconfirmed(userID: userID, type: type)
        let settings = context.policy.totp
        let parameters = TOTPParameters(algorithm: settings.algorithm, digits: settings.digits, period: settings.period)
        let secret = context.random.bytes(20)
        var factor = Factor(id: context.random.identifier(), userID: userID, type: type, label: label, createdAt: context.clock.now)
        try factor.setParameters(parameters)
        factor.sealedSecret = try context.secrets.seal(secret, context: factor.secretContext)
        try await context.factors.insert(factor)
        return Enrollment(factor: factor, secret: secret, parameters: parameters)
    }

    /// Reopens an unconfirmed enrollment (to show it again after a wrong code).
    public func enrollment(for factor: Factor, context: FactorContext) throws -> Enrollment {
        Enrollment(factor: factor, secret: try secret(of: factor, context: context), parameters: try factor.parameters(as: TOTPParameters.self))
    }
}
