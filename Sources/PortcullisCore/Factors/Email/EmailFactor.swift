import Foundation

/// Codes by email to a personal address, never one of the organization's own domains when it blocks them (SPEC §3).
public struct EmailFactor: MessageCodeFactor {
    public let descriptor = FactorDescriptor(type: .email, strength: .outOfBand, amr: "otp", displayName: "Email")
    public let channel = MessageChannel.email

    public func parameters(destination: String) -> EmailParameters { EmailParameters(email: destination) }
    public func destination(in parameters: EmailParameters) -> String { parameters.email }

    /// `j•••@example.com`: how an address is shown before the second factor is answered (like a phone's `+1•••42`).
    public static func mask(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at > address.startIndex else { return address }
        return String(address.prefix(1)) + "•••" + address[at...]
    }

    public init() {}

    /// Why an address cannot receive codes.
    public enum AddressProblem: DomainError, Equatable {
        case invalid
        case blockedDomain(String)

        public var code: String {
            switch self {
            case .invalid: "email.invalid"
            case .blockedDomain: "email.blocked_domain"
            }
        }
        public var kind: ErrorKind { .invalid }
        public var arguments: [String: String] {
            switch self {
            case .invalid: [:]
            case .blockedDomain(let domain): ["domain": domain]
            }
        }
    }

    /// A lowercased address, or why it cannot be used: roughly RFC 5321's shape, at most 254 characters, and not in
    /// (a subdomain of) a blocked domain.
    public static func validate(_ input: String, blockedDomains: [String]) -> Result<String, AddressProblem> {
        let address = input.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard address.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return .failure(.invalid) }
        let local = parts[0], domain = parts[1]
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")
        guard local.allSatisfy({ localAllowed.contains($0) }), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            return .failure(.invalid)
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }) else { return .failure(.invalid) }
        for blocked in blockedDomains.map({ $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " .@")) }) where !blocked.isEmpty {
            if domain == blocked || domain.hasSuffix("." + blocked) { return .failure(.blockedDomain(blocked)) }
        }
        return .success(address)
    }
}

/// Where an email factor's codes go.
public struct EmailParameters: FactorParameters, Equatable {
    /// Lowercased, checked by `EmailFactor.validate`.
    public var email: String

    public init(email: String) { self.email = email }
}
