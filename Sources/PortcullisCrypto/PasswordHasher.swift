import CArgon2
import Foundation

/// Argon2id cost parameters (OWASP's minimum is m=19 MiB, t=2, p=1).
public struct Argon2Parameters: Sendable, Equatable {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32

    public init(memoryKiB: UInt32 = 19_456, iterations: UInt32 = 2, parallelism: UInt32 = 1) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    public static let owaspMinimum = Argon2Parameters()
}

/// Hashes and checks passwords (and other low-entropy secrets) with Argon2id through libargon2.
///
/// Every hash runs through a `WorkLimiter`, so at most as many run at once as there are cores, with a bounded queue.
public struct PasswordHasher: Sendable {
    public let parameters: Argon2Parameters
    public let limiter: WorkLimiter
    private let random: any RandomSource
    /// A hash of a random password, checked when the user is unknown so that the answer takes as long.
    private let decoy: String

    public init(parameters: Argon2Parameters = .owaspMinimum, limiter: WorkLimiter, random: any RandomSource = SystemRandomSource()) {
        self.parameters = parameters
        self.limiter = limiter
        self.random = random
        self.decoy = (try? Self.encode(password: random.token(), salt: random.bytes(16), parameters: parameters)) ?? ""
    }

    /// The PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`, NFKC-normalized first
    /// (`PasswordText`).
    public func hash(_ password: String) async throws -> String {
        let salt = random.bytes(16)
        let parameters = self.parameters
        let normalized = PasswordText.normalized(password)
        return try await limiter.run { try Self.encode(password: normalized, salt: salt, parameters: parameters) }
    }

    /// Whether `password`, NFKC-normalized, matches `phc`. With `phc == nil` (unknown user) a decoy hash is checked,
    /// taking as long. A password typed in another normal form than NFKC is also tried as typed, for hashes stored
    /// before passwords were normalized (`isNormalized` tells the caller to re-hash it).
    public func verify(_ password: String, against phc: String?) async throws -> Bool {
        let encoded = phc ?? decoy
        let normalized = PasswordText.normalized(password)
        let asTyped = Self.isNormalized(password) ? nil : password
        let matched = try await limiter.run {
            Self.check(password: normalized, phc: encoded) || (asTyped.map { Self.check(password: $0, phc: encoded) } ?? false)
        }
        return phc != nil && matched
    }

    /// Whether a password is typed in its normal form (else its stored hash may predate normalization: re-hash it).
    public static func isNormalized(_ password: String) -> Bool {
        // Bytes, not `==`: Swift's string equality already treats canonically equivalent forms as equal.
        PasswordText.normalized(password).utf8.elementsEqual(password.utf8)
    }

    /// Whether a stored hash uses weaker parameters than configured (re-hash it at the next successful sign-in).
    public func needsRehash(_ phc: String) -> Bool {
        let expected = "$argon2id$v=19$m=\(parameters.memoryKiB),t=\(parameters.iterations),p=\(parameters.parallelism)$"
        return !phc.hasPrefix(expected)
    }

    /// A raw 32-byte Argon2id hash with a given salt (for single-use codes checked against a list).
    public func rawHash(_ secret: String, salt: [UInt8]) async throws -> [UInt8] {
        let parameters = self.parameters
        return try await limiter.run {
            var out = [UInt8](repeating: 0, count: 32)
            let pwd = Array(secret.utf8)
            let rc = argon2id_hash_raw(parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                                       pwd, pwd.count, salt, salt.count, &out, out.count)
            guard rc == ARGON2_OK.rawValue else { throw PasswordHasherError.argon2(Int(rc)) }
            return out
        }
    }

    static func encode(password: String, salt: [UInt8], parameters p: Argon2Parameters) throws -> String {
        let pwd = Array(password.utf8)
        let length = argon2_encodedlen(p.iterations, p.memoryKiB, p.parallelism, UInt32(salt.count), 32, Argon2_id)
        var buffer = [CChar](repeating: 0, count: length)
        let rc = argon2id_hash_encoded(p.iterations, p.memoryKiB, p.parallelism, pwd, pwd.count,
                                       salt, salt.count, 32, &buffer, length)
        guard rc == ARGON2_OK.rawValue else { throw PasswordHasherError.argon2(Int(rc)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func check(password: String, phc: String) -> Bool {
        let pwd = Array(password.utf8)
        return argon2id_verify(phc, pwd, pwd.count) == ARGON2_OK.rawValue
    }
}

public enum PasswordHasherError: Error {
    case argon2(Int)
}
