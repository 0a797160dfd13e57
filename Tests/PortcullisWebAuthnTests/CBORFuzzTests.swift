import Foundation
import PortcullisCrypto
import Testing
@testable import PortcullisWebAuthn
import PortcullisTestKit

/// The decoder is the one hand-written parser of untrusted bytes in the WebAuthn target, so it is fuzzed: seeded
/// random byte strings and mutations of valid encodings, each of which must decode or throw a `CBORError`.
extension CBORTests {
    // MARK: Fuzzing

    /// Valid encodings to mutate: every attestation object, COSE key and authenticator data extension map in the
    /// WebAuthn fixtures, plus the Appendix A examples.
    static func corpus() throws -> [[UInt8]] {
        var corpus = appendixA.map { Hex.decode($0.0)! }
        corpus.append(Array(repeating: 0x81, count: 16) + [0x00])  // at the depth limit
        corpus.append(Array(repeating: 0xa1, count: 8) + Array(repeating: 0x00, count: 9))
        for name in WebAuthnFixtures.names {
            let fixture = try WebAuthnFixtures.load(name)
            corpus.append(try WebAuthnFixtures.bytes(fixture.registration.attestationObject))
            corpus.append(try WebAuthnFixtures.bytes(fixture.registration.expected.publicKey))
        }
        for testCase in try WebAuthnFixtures.negative().cases {
            if let object = testCase.attestationObject { corpus.append(try WebAuthnFixtures.bytes(object)) }
            if let key = testCase.credentialPublicKey { corpus.append(try WebAuthnFixtures.bytes(key)) }
        }
        return corpus
    }

    static let interestingBytes: [UInt8] = [
        0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x3b, 0x40, 0x57, 0x58, 0x5a, 0x5b, 0x5f, 0x60, 0x78,
        0x7b, 0x7f, 0x80, 0x98, 0x9b, 0x9f, 0xa0, 0xb8, 0xbb, 0xbf, 0xc0, 0xc2, 0xd8, 0xdb, 0xf4, 0xf6, 0xf7, 0xf8, 0xf9,
        0xfa, 0xfb, 0xfc, 0xff, 0x7e, 0xc3, 0xed, 0xf0, 0xf4,
    ]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        ByteMutator.mutate(input, interesting: interestingBytes, using: &rng) { bytes, rng in
            // A length-field bump: change the argument of a head, or widen it.
            let position = Int.random(in: 0..<bytes.count, using: &rng)
            let major = bytes[position] & 0xe0
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes[position] &+= 1
            case 1: bytes[position] &-= 1
            case 2: bytes[position] = major | UInt8.random(in: 24...27, using: &rng)
            default:
                bytes[position] = major | 0x1b
                bytes.insert(contentsOf: (0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) },
                             at: min(position + 1, bytes.count))
            }
        }
    }

    static func randomInput(using rng: inout SplitMix64) -> [UInt8] {
        let length = Int.random(in: 0...(Bool.random(using: &rng) ? 16 : 96), using: &rng)
        return (0..<length).map { _ in
            Int.random(in: 0..<4, using: &rng) == 0 ? interestingBytes.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
        }
    }

    /// 5,000 inputs (random byte strings and mutations of valid encodings; well under two seconds) must each decode or
    /// throw. Decoded values must survive an encode/decode round trip. Seeded: set CBOR_FUZZ_SEED and
    /// CBOR_FUZZ_ITERATIONS (100,000 and more) to explore further, CBOR_FUZZ_TRACE=1 to print each input before it is
    /// decoded (to find one that crashes).
    @Test("fuzz: decoding never crashes")
    func fuzz() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["CBOR_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5eed_cb04_2026
        let iterations = environment["CBOR_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 5_000
        let trace = environment["CBOR_FUZZ_TRACE"] == "1"
        var rng = SplitMix64(state: seed)
        let corpus = try Self.corpus()
        #expect(corpus.count > 100)

        let started = ContinuousClock.now
        var decoded = 0
        var errors: [String: Int] = [:]
        for iteration in 0..<iterations {
            let input = Int.random(in: 0..<4, using: &rng) == 0
                ? Self.randomInput(using: &rng)
                : Self.mutate(corpus.randomElement(using: &rng) ?? [], using: &rng)
            if trace { print("cbor-fuzz \(iteration) \(Hex.encode(input))") }
            do {
                let value = try CBORValue.decode(input)
                decoded += 1
                let again = try CBORValue.decode(value.encoded())
                if again != value { Issue.record("round trip changed \(Hex.encode(input))") }
            } catch let error as CBORError {
                errors[error.kind.description, default: 0] += 1
            }
            _ = try? CBORValue.decodePrefix(input, maxDepth: 3, maxItems: 50)
            _ = try? COSEPublicKey(bytes: input)
        }
        let elapsed = ContinuousClock.now - started
        print("CBOR fuzz: seed \(seed), \(iterations) inputs, \(decoded) decoded, errors \(errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }), \(elapsed)")
        // The inputs reach deep into the decoder: both outcomes, and most kinds of error, occur.
        if iterations >= 5_000 {
            #expect(decoded > iterations / 20)
            #expect(errors.count >= 9)
        }
    }

    /// Mutated attestation objects, authenticator data and attestation certificates through the whole registration
    /// path (CBOR, authenticator data, COSE key, DER certificate, signature checks): each returns or throws.
    @Test("fuzz: registration with mutated attestation objects never crashes")
    func fuzzRegistration() throws {
        var rng = SplitMix64(state: 0x00c0_ffee)
        typealias F = WebAuthnFixtures
        var fixtures: [(F.Fixture, CBORValue)] = []
        for name in F.names {
            let fixture = try F.load(name)
            fixtures.append((fixture, try CBORValue.decode(F.bytes(fixture.registration.attestationObject))))
        }
        let x5c = try #require(fixtures.first { $0.0.registration.expected.attestationFormat == "packed" && $0.1["attStmt"]?["x5c"] != nil })
        let certificate = try #require(x5c.1["attStmt"]?["x5c"]?.arrayValue?.first?.bytesValue)
        #expect(try AttestationCertificate(der: certificate).meetsPackedRequirements(aaguid: F.bytes(x5c.0.registration.expected.aaguid)))

        var accepted: [String: Int] = [:]
        let rounds = 3_000
        let started = ContinuousClock.now
        for round in 0..<rounds {
            guard let (fixture, object) = fixtures.randomElement(using: &rng), case .map(let entries) = object,
                  let authData = object["authData"]?.bytesValue else { break }
            let mutated: CBORValue
            switch round % 3 {
            case 0:  // the encoded object
                let bytes = Self.mutate(object.encoded(), using: &rng)
                guard let value = try? CBORValue.decode(bytes) else { continue }
                mutated = value
            case 1:  // the authenticator data inside a well-formed object
                let bytes = Self.mutate(authData, using: &rng)
                _ = try? AuthenticatorData(bytes: bytes)
                mutated = .map(entries.map { $0.0 == .text("authData") ? ($0.0, .bytes(bytes)) : $0 })
            default:  // the attestation certificate
                let bytes = Self.mutate(certificate, using: &rng)
                if let parsed = try? AttestationCertificate(der: bytes) { _ = parsed.meetsPackedRequirements(aaguid: Array(repeating: 0, count: 16)) }
                let statement = CBORValue.map([(.text("alg"), .int(-7)), (.text("sig"), x5c.1["attStmt"]?["sig"] ?? .null),
                                               (.text("x5c"), .array([.bytes(bytes)]))])
                mutated = .map([(.text("fmt"), .text("packed")), (.text("attStmt"), statement), (.text("authData"), x5c.1["authData"] ?? .null)])
                do {
                    _ = try register(x5c.0, mutated.encoded())
                    accepted["certificate", default: 0] += 1
                } catch is WebAuthnError {}
                continue
            }
            do {
                let registration = try register(fixture, mutated.encoded())
                accepted["\(round % 3 == 0 ? "object" : "authData") \(registration.attestationFormat)", default: 0] += 1
                // Only "none" leaves authenticator data unsigned: a packed statement must not survive changes to it.
                if round % 3 == 1 && registration.attestationFormat == "packed" && mutated["authData"] != object["authData"] {
                    Issue.record("changed authenticator data verified: \(Hex.encode(mutated.encoded()))")
                }
            } catch is WebAuthnError {}
        }
        // Mutations that keep a response valid: unsigned parts ("none" authenticator data, the certificate's own
        // signature and dates, which are not checked without trust anchors), and re-encodings of the same values.
        print("registration fuzz: \(rounds) mutated registrations, still verified: \(accepted.sorted { $0.key < $1.key }), \(ContinuousClock.now - started)")
    }

    func register(_ fixture: WebAuthnFixtures.Fixture, _ attestationObject: [UInt8]) throws -> WebAuthnRegistration {
        try WebAuthn.verifyRegistration(
            clientDataJSON: WebAuthnFixtures.bytes(fixture.registration.clientDataJSON), attestationObject: attestationObject,
            expectedChallenge: WebAuthnFixtures.bytes(fixture.registration.challenge),
            relyingParty: fixture.rp.value, requireUserVerification: false)
    }
}

extension CBORError {
    /// The error without its payload, for counting.
    var kind: CBORError {
        switch self {
        case .trailingBytes: return .trailingBytes(0)
        case .invalidHead: return .invalidHead(0)
        case .invalidSimpleValue: return .invalidSimpleValue(0)
        default: return self
        }
    }
}
