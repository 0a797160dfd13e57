import Foundation
import PortcullisCrypto

/// One hardware token read from a vendor's seed file, ready to go into the token inventory (SPEC §4.3).
public struct ImportedToken: Sendable, Equatable {
    public var serial: String
    /// The raw secret bytes.
    public var seed: [UInt8]
    public var algorithm: OTPAlgorithm
    /// 6 or 8.
    public var digits: Int
    /// The HOTP moving factor to start from.
    public var counter: UInt64

    public init(serial: String, seed: [UInt8], algorithm: OTPAlgorithm = .sha1, digits: Int = 6, counter: UInt64 = 0) {
        self.serial = serial
        self.seed = seed
        self.algorithm = algorithm
        self.digits = digits
        self.counter = counter
    }
}

extension ImportedToken: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never shows the seed, so a token that ends up in a log or an error message does not leak it.
    public var description: String {
        "ImportedToken(serial: \(serial), seed: <\(seed.count) bytes>, algorithm: \(algorithm.rawValue), digits: \(digits), counter: \(counter))"
    }

    public var debugDescription: String { description }
}

/// One thing wrong with a seed file. The message never contains a seed.
public struct TokenImportProblem: Sendable, Equatable, CustomStringConvertible {
    /// Where: "line 4", "KeyPackage 3 (serial ABC123)", or "file" for the file as a whole.
    public var location: String
    /// What is wrong.
    public var message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// Every problem found in a seed file; nothing from the file is imported.
public struct TokenImportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [TokenImportProblem]

    public init(problems: [TokenImportProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Reads hardware-token seed files: the CSV format described in `TokenCSV.swift` and PSKC (RFC 6030).
///
/// Both are all-or-nothing: either every token in the file, or every problem found and no token.
public enum TokenImport {
    /// Largest seed file accepted, in bytes (10 MB).
    public static let maximumFileSize = 10 * 1024 * 1024
    /// Shortest seed accepted: 128 bits (RFC 4226 §4 R6).
    public static let minimumSeedBytes = 16
    /// Longest seed accepted.
    public static let maximumSeedBytes = 64
    /// Problems reported before a file is given up on (a garbage upload should not produce a million lines).
    static let maximumProblems = 1000

    /// All tokens, or every problem found (all-or-nothing: any problem means nothing is imported).
    public static func parseCSV(_ text: String) -> Result<[ImportedToken], TokenImportFailure> {
        TokenCSV.parse(text)
    }

    /// All tokens, or every problem found (all-or-nothing: any problem means nothing is imported).
    ///
    /// `preSharedKey` is the 16-byte AES-128 key the vendor sent separately; it is needed only when the file's
    /// secrets are encrypted (RFC 6030 §6.1).
    public static func parsePSKC(_ data: Data, preSharedKey: [UInt8]?) -> Result<[ImportedToken], TokenImportFailure> {
        PSKC.parse(data, preSharedKey: preSharedKey)
    }

    // MARK: Shared checks

    /// Why `serial` is not acceptable, or nil. Serials are 1–64 ASCII letters, digits, `-`, `_` or `.`.
    /// The message does not repeat the value (a misplaced column could hold a seed).
    static func serialProblem(_ serial: String) -> String? {
        if serial.isEmpty { return "the serial is missing" }
        let allowed = serial.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
        if !allowed || serial.utf8.count > 64 {
            return "the serial must be 1 to 64 characters, each a letter, a digit, '-', '_' or '.'"
        }
        return nil
    }

    /// Why a seed of this many bytes is not acceptable, or nil.
    static func seedLengthProblem(_ count: Int) -> String? {
        if count < minimumSeedBytes {
            return "the seed is \(count * 8) bits; at least \(minimumSeedBytes * 8) bits (\(minimumSeedBytes) bytes) are required"
        }
        if count > maximumSeedBytes {
            return "the seed is longer than \(maximumSeedBytes) bytes"
        }
        return nil
    }

    /// Collects problems up to `maximumProblems`, then one last problem saying the rest were left out.
    struct ProblemList {
        private(set) var problems: [TokenImportProblem] = []
        private(set) var isFull = false

        var isEmpty: Bool { problems.isEmpty }

        mutating func add(_ location: String, _ message: String) {
            guard !isFull else { return }
            if problems.count == TokenImport.maximumProblems {
                problems.append(TokenImportProblem(
                    location: "file",
                    message: "more than \(TokenImport.maximumProblems) problems; the rest are not listed"))
                isFull = true
                return
            }
            problems.append(TokenImportProblem(location: location, message: message))
        }

        var failure: TokenImportFailure { TokenImportFailure(problems: problems) }
    }

    static func failure(_ location: String, _ message: String) -> Result<[ImportedToken], TokenImportFailure> {
        .failure(TokenImportFailure(problems: [TokenImportProblem(location: location, message: message)]))
    }
}
