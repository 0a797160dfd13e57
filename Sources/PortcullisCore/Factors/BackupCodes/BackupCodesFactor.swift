import Foundation
import PortcullisCrypto

/// Printed single-use codes (SPEC §3). A list is one factor; each code is stored as an Argon2id hash under the list's
/// salt, so checking a code costs one slow hash however many codes are left, and is consumed atomically.
public struct BackupCodesFactor: FactorMethod {
    /// A printed list is a secret the user keeps, not a device; SPEC §3.1 does not count it as possession.
    public let descriptor = FactorDescriptor(type: .backupCodes, strength: .knowledge, amr: "otp", displayName: "Backup code", backupOnly: true)

    /// No 0/o, 1/l/i: easy to read off paper.
    static let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
    static let codeLength = 10

    public init() {}

    /// Issues a new list, voiding any earlier one, and returns the codes to show once (`xxxxx-xxxxx`).
    /// A new list: the codes (to show once) and the factor with their hashes, not stored yet. The hashing is the
    /// slow part, so it happens here, before any transaction.
    public func prepare(userID: String, context: FactorContext) async throws -> IssuedBackupCodes {
        let count = max(5, context.policy.backupCodeCount)
        let codes = (0..<count).map { _ in
            String((0..<Self.codeLength).map { _ in Self.alphabet[Int(context.random.uniform(UInt32(Self.alphabet.count)))] })
        }
        let salt = context.random.bytes(16)
        var hashes: [[UInt8]] = []
        for code in codes { hashes.append(try await context.hasher.rawHash(code, salt: salt)) }
        var factor = Factor(id: context.random.identifier(), userID: userID, type: type, label: "Backup codes",
                            confirmed: true, createdAt: context.clock.now)
        try factor.setParameters(BackupCodesParameters(salt: salt, issued: count))
        return IssuedBackupCodes(factor: factor, hashes: hashes, codes: codes.map { "\($0.prefix(5))-\($0.suffix(5))" })
    }

    /// Stores a prepared list in place of the user's old one (which stops working).
    public func store(_ issued: IssuedBackupCodes, in repositories: Repositories) async throws {
        for old in try await repositories.factors.list(userID: issued.factor.userID) where old.type == type {
            try await repositories.factors.delete(id: old.id, userID: old.userID)
        }
        try await repositories.factors.insert(issued.factor)
        try await repositories.factors.replaceBackupCodes(factorID: issued.factor.id, hashes: issued.hashes)
    }

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        guard case .code(let typed) = response else { return .rejected(reason: FactorCheck.wrongResponse) }
        let code = Self.normalize(typed)
        let salt = try factor.parameters(as: BackupCodesParameters.self).salt
        guard code.count == Self.codeLength else { return .rejected(reason: "bad_code") }
        let hash = try await context.hasher.rawHash(code, salt: salt)
        var matched: (index: Int, used: Bool)?
        for entry in try await context.factors.backupCodes(factorID: factor.id) {
            if constantTimeEquals(entry.hash, hash), matched == nil { matched = (entry.index, entry.used) }
        }
        guard let matched else { return .rejected(reason: "bad_code") }
        // A used code is a double submit or a replay: refused, but not a guess.
        guard !matched.used, try await context.factors.consumeBackupCode(factorID: factor.id, index: matched.index, at: context.clock.now) else {
            return .rejected(reason: FactorCheck.replayed)
        }
        try await context.factors.markUsed(id: factor.id, at: context.clock.now)
        return .accepted
    }

    public func details(of factor: Factor, context: FactorContext) async throws -> FactorDetails {
        FactorDetails(remainingCodes: try await context.factors.unusedBackupCodes(factorID: factor.id).count)
    }

    /// Lowercase, without spaces and hyphens.
    static func normalize(_ input: String) -> String {
        String(input.lowercased().filter { !$0.isWhitespace && $0 != "-" })
    }
}

/// A backup code list ready to store: the factor, the codes' hashes, and the codes themselves to show once.
public struct IssuedBackupCodes: Sendable {
    public var factor: Factor
    public var hashes: [[UInt8]]
    public var codes: [String]
}

/// The salt a list's codes are hashed under, and how many were issued.
public struct BackupCodesParameters: FactorParameters, Equatable {
    public var salt: [UInt8]
    public var issued: Int

    public init(salt: [UInt8], issued: Int) {
        self.salt = salt
        self.issued = issued
    }

    enum CodingKeys: String, CodingKey { case salt, issued }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let salt = Base64URL.decode(try c.decode(String.self, forKey: .salt)), salt.count >= 16 else { throw FactorParametersError("salt") }
        self.salt = salt
        issued = c.contains(.issued) ? try c.decode(Int.self, forKey: .issued, in: 1...100) : 10
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Base64URL.encode(salt), forKey: .salt)
        try c.encode(issued, forKey: .issued)
    }
}
