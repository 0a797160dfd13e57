/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator so every fuzz run sees the same inputs.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Mutations of valid inputs for the fuzz tests of the hand-written parsers (CBOR, SMTP replies): one to three of bit
/// flips, truncation, inserted random bytes, a format-specific change, an interesting byte, a deleted range, a duplicated
/// chunk, or a random byte. Deterministic for a given generator state.
public enum ByteMutator {
    /// - Parameters:
    ///   - interesting: bytes that mean something to the format (heads, separators, line breaks, UTF-8 leads).
    ///   - formatSpecific: the format's own mutation of a non-empty input (a CBOR length field, an overlong line).
    public static func mutate(_ input: [UInt8], interesting: [UInt8], using rng: inout SplitMix64,
                              formatSpecific: (inout [UInt8], inout SplitMix64) -> Void) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            switch Int.random(in: 0..<8, using: &rng) {
            case 0 where !bytes.isEmpty:  // bit flips
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
            case 1 where !bytes.isEmpty:  // truncation
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            case 2:  // insertion
                let position = Int.random(in: 0...bytes.count, using: &rng)
                let count = Int.random(in: 1...8, using: &rng)
                bytes.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: position)
            case 3 where !bytes.isEmpty:
                formatSpecific(&bytes, &rng)
            case 4 where !bytes.isEmpty:  // an interesting byte
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = interesting.randomElement(using: &rng) ?? 0
            case 5 where bytes.count > 1:  // deletion of a range
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...16, using: &rng)))
            case 6 where !bytes.isEmpty:  // duplicate a chunk
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let chunk = Array(bytes[start..<min(bytes.count, start + Int.random(in: 1...32, using: &rng))])
                bytes.insert(contentsOf: chunk, at: Int.random(in: 0...bytes.count, using: &rng))
            default:  // a random byte
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return bytes
    }
}
