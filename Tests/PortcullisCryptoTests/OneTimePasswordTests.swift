import Foundation
import PortcullisTestKit
import Testing
@testable import PortcullisCrypto

@Suite("HOTP and TOTP codes")
struct OneTimePasswordTests {
    static let sha1Seed = Array("12345678901234567890".utf8)
    static let sha256Seed = Array("12345678901234567890123456789012".utf8)
    static let sha512Seed = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    @Test("RFC 4226 appendix D vectors")
    func rfc4226() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        for (counter, code) in expected.enumerated() {
            #expect(OneTimePassword.hotp(secret: Self.sha1Seed, counter: UInt64(counter)) == code)
        }
    }

    @Test("RFC 6238 appendix B vectors", arguments: [
        (59.0, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ])
    func rfc6238(time: Double, sha1: String, sha256: String, sha512: String) {
        let date = Date(timeIntervalSince1970: time)
        #expect(OneTimePassword.totp(secret: Self.sha1Seed, at: date, digits: 8, algorithm: .sha1) == sha1)
        #expect(OneTimePassword.totp(secret: Self.sha256Seed, at: date, digits: 8, algorithm: .sha256) == sha256)
        #expect(OneTimePassword.totp(secret: Self.sha512Seed, at: date, digits: 8, algorithm: .sha512) == sha512)
    }

    /// oathtool (an implementation we did not write) as the oracle, on random secrets, times and settings.
    @Test("Agrees with oathtool")
    func oathtool() throws {
        let random = SystemRandomSource()
        for round in 0..<12 {
            let secret = random.bytes(20 + Int(random.uniform(20)))
            let time = 1_000_000_000 + Int(random.uniform(1_000_000_000))
            let algorithm = OTPAlgorithm.allCases[round % 3]
            let digits = round % 2 == 0 ? 6 : 8
            let period = round % 4 == 3 ? 60 : 30
            let mode = algorithm == .sha1 ? "--totp" : "--totp=\(algorithm.rawValue.lowercased())"
            let output = try run("oathtool", [mode, "-b", "-d", String(digits), "-s", "\(period)s", "-N", "@\(time)", Base32.encode(secret)])
            let ours = OneTimePassword.totp(secret: secret, at: Date(timeIntervalSince1970: TimeInterval(time)), period: period,
                                            digits: digits, algorithm: algorithm)
            #expect(output == ours, "secret \(Base32.encode(secret)) at \(time) \(algorithm) \(digits) digits \(period)s")
        }
        let secret = random.bytes(20)
        for counter in [0, 1, 9, 123_456] {
            let output = try run("oathtool", ["--hotp", "-b", "-c", String(counter), Base32.encode(secret)])
            #expect(output == OneTimePassword.hotp(secret: secret, counter: UInt64(counter)))
        }
    }

    @Test("Normalizes typed codes")
    func normalize() {
        #expect(OneTimePassword.normalize(" 123 456 ") == "123456")
        #expect(OneTimePassword.normalize("123-456") == "123456")
        #expect(OneTimePassword.normalize("１２３") == "")
    }

    @Test("Base32 round trip and leniency")
    func base32() {
        let random = SystemRandomSource()
        for length in 0..<40 {
            let bytes = random.bytes(length)
            #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        }
        #expect(Base32.encode(Array("foobar".utf8), padding: true) == "MZXW6YTBOI======")
        #expect(Base32.decode("mzxw 6ytb-oi======") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW1") == nil)
    }
}

