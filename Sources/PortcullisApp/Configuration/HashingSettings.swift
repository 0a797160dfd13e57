import Foundation
import PortcullisCrypto

/// Password hashing: the Argon2id cost (`PORTCULLIS_ARGON2_MEMORY_KIB`, `_ITERATIONS`, `_PARALLELISM`; OWASP's minimum
/// is the floor) and how many hashes run at once and may wait (`PORTCULLIS_HASH_CONCURRENCY`, `_QUEUE`).
public struct HashingSettings: Sendable, Equatable {
    public var argon2 = Argon2Parameters()
    /// Password hashes computed at once (default: the number of cores), and how many may wait.
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount
    public var queue = 64

    public init() {}

    public init(reading read: ConfigurationReader) throws {
        // OWASP's minimum is the floor; stronger settings are welcome.
        if let v = try read.int("PORTCULLIS_ARGON2_MEMORY_KIB", 19_456...4_194_304) { argon2.memoryKiB = UInt32(v) }
        if let v = try read.int("PORTCULLIS_ARGON2_ITERATIONS", 2...100) { argon2.iterations = UInt32(v) }
        if let v = try read.int("PORTCULLIS_ARGON2_PARALLELISM", 1...64) { argon2.parallelism = UInt32(v) }
        if let v = try read.int("PORTCULLIS_HASH_CONCURRENCY", 1...1024) { concurrency = v }
        if let v = try read.int("PORTCULLIS_HASH_QUEUE", 0...100_000) { queue = v }
    }
}
