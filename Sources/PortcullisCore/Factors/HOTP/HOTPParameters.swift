import Foundation

/// Which inventory token a hardware-token factor stands for. The seed, digits and counter live in the token row.
public struct HOTPParameters: FactorParameters, Equatable {
    public var tokenID: String
    public var serial: String

    public init(tokenID: String, serial: String) {
        self.tokenID = tokenID
        self.serial = serial
    }

    enum CodingKeys: String, CodingKey {
        case tokenID = "token_id"
        case serial
    }
}
