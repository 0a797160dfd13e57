import Foundation
import PortcullisCrypto

/// An authenticator app's settings, fixed at enrollment (the app was given them in the key URI).
public struct TOTPParameters: FactorParameters, Equatable {
    public var algorithm: OTPAlgorithm
    public var digits: Int
    public var period: Int

    public init(algorithm: OTPAlgorithm, digits: Int, period: Int) {
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }

    enum CodingKeys: String, CodingKey { case algorithm, digits, period }

    /// Missing values take RFC 6238's defaults (rows from before they were stored); values out of range throw.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        algorithm = try c.decodeIfPresent(OTPAlgorithm.self, forKey: .algorithm) ?? .sha1
        digits = c.contains(.digits) ? try c.decode(Int.self, forKey: .digits, in: 6...8) : 6
        period = c.contains(.period) ? try c.decode(Int.self, forKey: .period, in: 10...300) : 30
    }
}
