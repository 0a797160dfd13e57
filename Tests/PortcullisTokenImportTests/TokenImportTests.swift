import Foundation
import PortcullisCrypto
import Testing
@testable import PortcullisTokenImport

/// Seed-file import. The PSKC fixtures come from `Fixtures/make_pskc.py` (Python's `cryptography`), not from our
/// code, plus RFC 6030 figure 6 verbatim.
@Suite("Token import")
struct TokenImportTests {
    static let rfc4226Seed = Array("12345678901234567890".utf8)
    static let seed32 = Array("12345678901234567890123456789012".utf8)
    /// The pre-shared key of pskc-encrypted.xml (also in pskc-encrypted-expected.json).
    static let preSharedKey = Hex.decode("a1b2c3d4e5f60718293a4b5c6d7e8f90")!

    func fixture(_ name: String, _ ext: String = "xml") throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    func tokens(_ result: Result<[ImportedToken], TokenImportFailure>, sourceLocation: SourceLocation = #_sourceLocation) -> [ImportedToken] {
        switch result {
        case .success(let tokens): return tokens
        case .failure(let failure):
            Issue.record("expected tokens, got problems:\n\(failure)", sourceLocation: sourceLocation)
            return []
        }
    }

    func problems(_ result: Result<[ImportedToken], TokenImportFailure>, sourceLocation: SourceLocation = #_sourceLocation) -> [TokenImportProblem] {
        switch result {
        case .success(let tokens):
            Issue.record("expected problems, got \(tokens.count) tokens", sourceLocation: sourceLocation)
            return []
        case .failure(let failure):
            #expect(!failure.problems.isEmpty, sourceLocation: sourceLocation)
            return failure.problems
        }
    }

    /// No problem text may carry a seed, in hex (either case) or base64.
    func expectNoSeed(in problems: [TokenImportProblem], seeds: [[UInt8]], sourceLocation: SourceLocation = #_sourceLocation) {
        let text = problems.map(\.description).joined(separator: "\n")
        for seed in seeds {
            let hex = Hex.encode(seed)
            #expect(!text.lowercased().contains(hex), sourceLocation: sourceLocation)
            #expect(!text.contains(Data(seed).base64EncodedString()), sourceLocation: sourceLocation)
            #expect(!text.contains(String(decoding: seed, as: UTF8.self)), sourceLocation: sourceLocation)
        }
    }

    // MARK: CSV

    @Test("CSV: header, comments, blank lines, quoted fields, CRLF and defaults")
    func csvGoodFile() {
        let text = "\u{FEFF}Serial,Seed,Digits,Algorithm,Counter\r\n"
            + "# exported 2024-05-01\r\n"
            + "\r\n"
            + "TK-0001,3132333435363738393031323334353637383930,6,SHA1,0\r\n"
            + "\"TK-0002\",\"3132333435363738393031323334353637383930313233343536373839303132\",\"8\",\"sha256\",\"17\"\r\n"
            + "  TK_0003 , 31323334353637383930313233343536 \r\n"
            + "tk.0004,3132333435363738393031323334353637383930,,,\n"
            + "   # indented comment\n"
            + "TK-0005,\"ABCDEF0123456789ABCDEF0123456789\",8,Sha512,18446744073709551615\n"
        let imported = tokens(TokenImport.parseCSV(text))
        #expect(imported == [
            ImportedToken(serial: "TK-0001", seed: Self.rfc4226Seed, algorithm: .sha1, digits: 6, counter: 0),
            ImportedToken(serial: "TK-0002", seed: Self.seed32, algorithm: .sha256, digits: 8, counter: 17),
            ImportedToken(serial: "TK_0003", seed: Array("1234567890123456".utf8), algorithm: .sha1, digits: 6, counter: 0),
            ImportedToken(serial: "tk.0004", seed: Self.rfc4226Seed, algorithm: .sha1, digits: 6, counter: 0),
            ImportedToken(serial: "TK-0005", seed: Hex.decode("abcdef0123456789abcdef0123456789")!, algorithm: .sha512, digits: 8, counter: .max),
        ])
        if let first = imported.first {
            #expect(OneTimePassword.hotp(secret: first.seed, counter: first.counter) == "755224")
        }
    }

    @Test("CSV: no header, optional columns left out")
    func csvWithoutHeader() {
        let imported = tokens(TokenImport.parseCSV("A1,3132333435363738393031323334353637383930\nA2,3132333435363738393031323334353637383930,8"))
        #expect(imported.map(\.serial) == ["A1", "A2"])
        #expect(imported.map(\.digits) == [6, 8])
    }

    @Test("CSV: every bad line is reported with its line number and nothing is imported")
    func csvBadLines() {
        let goodSeed = "3132333435363738393031323334353637383930"
        let shortSeed = "00112233445566778899aabbccddeeff"
        let lines = [
            "serial,seed,digits,algorithm,counter",                       // 1 header
            "OK-1,\(goodSeed),6,SHA1,0",                                  // 2 good
            "ONLY-SERIAL",                                                // 3 one field
            "BAD-HEX,31323334353637383930313233343536373839zz",           // 4 not hex
            "SHORT,\(shortSeed.prefix(30))",                              // 5 120 bits
            "ODD,\(goodSeed)3",                                           // 6 odd length
            "SPACES,3132 3334353637383930313233343536373839",             // 7 space inside
            "DIGITS,\(goodSeed),7",                                       // 8 digits
            "ALGO,\(goodSeed),6,MD5",                                     // 9 algorithm
            "COUNTER,\(goodSeed),6,SHA1,-1",                              // 10 counter
            "bad serial!,\(goodSeed)",                                    // 11 serial
            "TOO-MANY,\(goodSeed),6,SHA1,0,extra",                        // 12 six fields
            "\"UNCLOSED,\(goodSeed)",                                     // 13 quote
            "BIG-COUNTER,\(goodSeed),6,SHA1,18446744073709551616",        // 14 > UInt64.max
            ",\(goodSeed)",                                               // 15 empty serial
            "LONG,\(String(repeating: "ab", count: 65))",                 // 16 65 bytes
            "MULTI,zz,9,XYZ,abc",                                         // 17 four problems
        ]
        let found = problems(TokenImport.parseCSV(lines.joined(separator: "\n")))
        let badLines = Set(found.map(\.location))
        #expect(badLines == Set((3...17).map { "line \($0)" }))
        #expect(!badLines.contains("line 2"))
        #expect(found.filter { $0.location == "line 17" }.count == 4)

        func message(_ line: Int) -> String {
            found.filter { $0.location == "line \(line)" }.map(\.message).joined(separator: "; ")
        }
        #expect(message(3).contains("found 1"))
        #expect(message(4).contains("not hexadecimal"))
        #expect(message(5).contains("120 bits"))
        #expect(message(6).contains("odd number"))
        #expect(message(7).contains("without spaces"))
        #expect(message(8).contains("6 or 8"))
        #expect(message(9).contains("algorithm"))
        #expect(message(10).contains("counter"))
        #expect(message(11).contains("serial"))
        #expect(message(12).contains("found 6"))
        #expect(message(13).contains("not closed"))
        #expect(message(14).contains("counter"))
        #expect(message(15).contains("serial is missing"))
        #expect(message(16).contains("longer than 64 bytes"))
        expectNoSeed(in: found, seeds: [Self.rfc4226Seed, Hex.decode(shortSeed)!])
        #expect(!found.map(\.message).joined().contains("3132"))
    }

    @Test("CSV: duplicate serials (ignoring case) are reported on the later line")
    func csvDuplicates() {
        let seed = "3132333435363738393031323334353637383930"
        let text = "A-1,\(seed)\nB-2,\(seed)\n# comment\na-1,\(seed)\nB-2,\(seed)\nC-3,\(seed)"
        let found = problems(TokenImport.parseCSV(text))
        #expect(found == [
            TokenImportProblem(location: "line 4", message: "duplicate serial a-1 (first on line 1)"),
            TokenImportProblem(location: "line 5", message: "duplicate serial B-2 (first on line 2)"),
        ])
    }

    @Test("CSV: empty file, comments only, a wrong header, a stray quote")
    func csvOddFiles() {
        #expect(problems(TokenImport.parseCSV("")) == [TokenImportProblem(location: "file", message: "the file contains no tokens")])
        #expect(problems(TokenImport.parseCSV("# nothing\n\n")).count == 1)
        let header = problems(TokenImport.parseCSV("serial,digits,seed\nA,3132333435363738393031323334353637383930"))
        #expect(header.map(\.location) == ["line 1"])
        let stray = problems(TokenImport.parseCSV("A\"B,3132333435363738393031323334353637383930"))
        #expect(stray.map(\.location) == ["line 1"])
        let after = problems(TokenImport.parseCSV("\"A\"B,3132333435363738393031323334353637383930"))
        #expect(after.map(\.location) == ["line 1"])
        let quoted = tokens(TokenImport.parseCSV("\"A\" ,\"3132333435363738393031323334353637383930\" "))
        #expect(quoted.map(\.serial) == ["A"])
    }

    @Test("CSV: a file over 10 MB is refused")
    func csvTooLarge() {
        let line = "A,3132333435363738393031323334353637383930\n"
        let text = String(repeating: "#" + String(repeating: "x", count: 1000) + "\n", count: 10_500) + line
        #expect(problems(TokenImport.parseCSV(text)) == [TokenImportProblem(location: "file", message: "the file is larger than 10 MB")])
    }

    // MARK: PSKC

    @Test("PSKC: plain secrets (RFC 6030 figures 2 and 3), Suite and defaults")
    func pskcPlain() throws {
        let imported = tokens(TokenImport.parsePSKC(try fixture("pskc-plain"), preSharedKey: nil))
        #expect(imported == [
            ImportedToken(serial: "12345678", seed: Self.rfc4226Seed, algorithm: .sha1, digits: 6, counter: 0),
            ImportedToken(serial: "987654321", seed: Self.seed32, algorithm: .sha256, digits: 8, counter: 7),
            ImportedToken(serial: "SN-512", seed: Array(0..<64), algorithm: .sha512, digits: 6, counter: .max),
        ])
        // A plain file does not need the key, and a key given anyway does no harm.
        #expect(tokens(TokenImport.parsePSKC(try fixture("pskc-plain"), preSharedKey: Self.preSharedKey)) == imported)
    }

    @Test("PSKC: RFC 6030 figure 6 verbatim decrypts with the RFC's pre-shared key")
    func pskcRFCFigure6() throws {
        let key = Hex.decode("12345678901234567890123456789012")!
        let imported = tokens(TokenImport.parsePSKC(try fixture("rfc6030-figure6"), preSharedKey: key))
        #expect(imported == [ImportedToken(serial: "987654321", seed: Self.rfc4226Seed, algorithm: .sha1, digits: 8, counter: 0)])
        #expect(imported.first.map { OneTimePassword.hotp(secret: $0.seed, counter: 0, digits: 8) } == "84755224")
    }

    struct Expected: Decodable {
        struct Token: Decodable {
            var serial: String
            var seed: String
            var digits: Int
            var algorithm: String
            var counter: UInt64
            var code: String
        }
        var preSharedKey: String
        var tokens: [Token]
    }

    @Test("PSKC: pre-shared key and HMAC-SHA1 MAC, other namespace prefixes; agrees with the Python generator")
    func pskcEncrypted() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: try fixture("pskc-encrypted-expected", "json"))
        #expect(Hex.decode(expected.preSharedKey)! == Self.preSharedKey)
        let imported = tokens(TokenImport.parsePSKC(try fixture("pskc-encrypted"), preSharedKey: Self.preSharedKey))
        #expect(imported.count == expected.tokens.count)
        for (token, want) in zip(imported, expected.tokens) {
            #expect(token.serial == want.serial)
            #expect(token.seed == Hex.decode(want.seed)!)
            #expect(token.digits == want.digits)
            #expect(token.algorithm.rawValue == want.algorithm)
            #expect(token.counter == want.counter)
            #expect(OneTimePassword.hotp(secret: token.seed, counter: token.counter, digits: token.digits, algorithm: token.algorithm) == want.code)
        }
        #expect(imported.first?.seed == Self.rfc4226Seed)
        #expect(imported.first.map { OneTimePassword.hotp(secret: $0.seed, counter: 0) } == "755224")
        #expect(imported.last?.seed == Self.seed32)
    }

    @Test("PSKC: a flipped ciphertext byte or a changed ValueMAC fails the MAC check and nothing is imported")
    func pskcTampered() throws {
        let cipher = problems(TokenImport.parsePSKC(try fixture("pskc-tampered-cipher"), preSharedKey: Self.preSharedKey))
        #expect(cipher.map(\.location) == ["KeyPackage 2 (serial TOKEN-0002)"])
        #expect(cipher.allSatisfy { $0.message.contains("MAC check failed") })

        let mac = problems(TokenImport.parsePSKC(try fixture("pskc-tampered-mac"), preSharedKey: Self.preSharedKey))
        #expect(mac.map(\.location) == ["KeyPackage 1 (serial TOKEN-0001)"])
        #expect(mac.allSatisfy { $0.message.contains("MAC check failed") })
        expectNoSeed(in: cipher + mac, seeds: [Self.rfc4226Seed, Self.seed32])
    }

    @Test("PSKC: a wrong pre-shared key fails the MAC check")
    func pskcWrongKey() throws {
        for key in [Hex.decode("a1b2c3d4e5f60718293a4b5c6d7e8f91")!, [UInt8](repeating: 0, count: 16), Hex.decode("12345678901234567890123456789012")!] {
            let found = problems(TokenImport.parsePSKC(try fixture("pskc-encrypted"), preSharedKey: key))
            #expect(!found.isEmpty)
            #expect(found.allSatisfy { $0.message.contains("MAC check failed") })
            expectNoSeed(in: found, seeds: [Self.rfc4226Seed, Self.seed32])
        }
    }

    @Test("PSKC: an encrypted file without a key gives one clear problem; a key of the wrong size is refused")
    func pskcWithoutKey() throws {
        #expect(problems(TokenImport.parsePSKC(try fixture("pskc-encrypted"), preSharedKey: nil))
            == [TokenImportProblem(location: "file", message: "this file is encrypted; give the pre-shared key")])
        let short = problems(TokenImport.parsePSKC(try fixture("pskc-encrypted"), preSharedKey: Array(Self.preSharedKey.prefix(15))))
        #expect(short.count == 1)
        #expect(short.first?.message.contains("16 bytes") == true)
        #expect(problems(TokenImport.parsePSKC(try fixture("pskc-encrypted"), preSharedKey: Self.preSharedKey + Self.preSharedKey)).count == 1)
    }

    @Test("PSKC: an encrypted secret without a MAC is refused")
    func pskcNoMAC() throws {
        let found = problems(TokenImport.parsePSKC(try fixture("pskc-encrypted-no-mac"), preSharedKey: Self.preSharedKey))
        #expect(found.map(\.location) == ["KeyPackage 1 (serial TOKEN-0001)"])
        #expect(found.first?.message.contains("without a MAC") == true)
    }

    @Test("PSKC: a TOTP key, a 7-digit format, a duplicate serial and a short seed are each reported")
    func pskcProblems() throws {
        let found = problems(TokenImport.parsePSKC(try fixture("pskc-problems"), preSharedKey: nil))
        #expect(found.map(\.location) == [
            "KeyPackage 2 (serial TOTP-1)",
            "KeyPackage 3 (serial SEVEN-1)",
            "KeyPackage 4 (serial GOOD-1)",
            "KeyPackage 5 (serial SHORT-1)",
        ])
        #expect(found[0].message.contains("only HOTP"))
        #expect(found[0].message.contains("urn:ietf:params:xml:ns:keyprov:pskc:totp"))
        #expect(found[1].message.contains("6 or 8"))
        #expect(found[2].message.contains("duplicate serial"))
        #expect(found[3].message.contains("80 bits"))
        expectNoSeed(in: found, seeds: [Self.rfc4226Seed, Self.seed32, Array("0123456789".utf8)])
    }

    @Test("PSKC: DOCTYPE and ENTITY declarations are refused before parsing (XXE)")
    func pskcDoctype() throws {
        let found = problems(TokenImport.parsePSKC(try fixture("pskc-doctype"), preSharedKey: nil))
        #expect(found.count == 1)
        #expect(found.first?.message.contains("DOCTYPE") == true)

        let plain = String(decoding: try fixture("pskc-plain"), as: UTF8.self)
        let variants = [
            plain.replacingOccurrences(of: "<KeyContainer", with: "<!doctype KeyContainer>\n<KeyContainer"),
            plain.replacingOccurrences(of: "<KeyContainer", with: "<!DocType x [<!ENTITY a \"b\">]>\n<KeyContainer"),
            plain + "<!ENTITY stray \"x\">",
        ]
        for variant in variants {
            let refused = problems(TokenImport.parsePSKC(Data(variant.utf8), preSharedKey: nil))
            #expect(refused.first?.message.contains("DOCTYPE") == true)
        }
        // An encoding that could hide a DOCTYPE from the byte check, and UTF-16, are refused too.
        let utf7 = plain.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"UTF-7\"")
        #expect(problems(TokenImport.parsePSKC(Data(utf7.utf8), preSharedKey: nil)).first?.message.contains("UTF-8") == true)
        let utf16 = try #require(plain.data(using: .utf16))
        #expect(problems(TokenImport.parsePSKC(utf16, preSharedKey: nil)).first?.message.contains("UTF-8") == true)
    }

    @Test("PSKC: garbage, truncated, foreign and over-deep XML give problems, never a crash")
    func pskcGarbage() throws {
        let encrypted = try fixture("pskc-encrypted")
        for length in stride(from: 0, to: encrypted.count, by: 37) {
            let found = problems(TokenImport.parsePSKC(encrypted.prefix(length), preSharedKey: Self.preSharedKey))
            #expect(!found.isEmpty)
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let garbage = Data((0..<Int.random(in: 1...400, using: &generator)).map { _ in UInt8.random(in: 1...255, using: &generator) })
            #expect(!problems(TokenImport.parsePSKC(garbage, preSharedKey: nil)).isEmpty)
        }
        let inputs = [
            "",
            "not xml at all",
            "<KeyContainer Version=\"1.0\"><KeyPackage/></KeyContainer>",  // no namespace: not PSKC
            "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\" Version=\"1.0\"/>",
            "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\" Version=\"2.0\"><KeyPackage/></KeyContainer>",
            "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\" Version=\"1.0\"><KeyPackage/></KeyContainer>",
            "<a>" + String(repeating: "<b>", count: 200) + String(repeating: "</b>", count: 200) + "</a>",
            "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\" Version=\"1.0\"><KeyPackage><Key Id=\"K-1\" "
                + "Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\"><Data><Secret><PlainValue>%%%</PlainValue>"
                + "</Secret></Data></Key></KeyPackage></KeyContainer>",
        ]
        for input in inputs {
            #expect(!problems(TokenImport.parsePSKC(Data(input.utf8), preSharedKey: nil)).isEmpty, "\(input.prefix(60))")
        }
        let deep = problems(TokenImport.parsePSKC(Data(inputs[6].utf8), preSharedKey: nil))
        #expect(deep.first?.message.contains("nested") == true)
        let bad64 = problems(TokenImport.parsePSKC(Data(inputs[7].utf8), preSharedKey: nil))
        #expect(bad64 == [TokenImportProblem(location: "KeyPackage 1 (serial K-1)", message: "the secret (PlainValue) is not valid base64")])
    }

    @Test("PSKC: elements are matched by namespace URI, not by prefix")
    func pskcNamespaces() throws {
        let plain = String(decoding: try fixture("pskc-plain"), as: UTF8.self)
        // The same document with the PSKC namespace bound to a prefix instead of being the default.
        let prefixed = plain
            .replacingOccurrences(of: "xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"", with: "xmlns:k=\"urn:ietf:params:xml:ns:keyprov:pskc\"")
            .replacingOccurrences(of: "<(/?)([A-Z])", with: "<$1k:$2", options: .regularExpression)
        #expect(tokens(TokenImport.parsePSKC(Data(prefixed.utf8), preSharedKey: nil)).count == 3)
        // Right local names in the wrong namespace are not PSKC.
        let foreign = plain.replacingOccurrences(of: "urn:ietf:params:xml:ns:keyprov:pskc\"", with: "urn:example:not-pskc\"")
        #expect(problems(TokenImport.parsePSKC(Data(foreign.utf8), preSharedKey: nil)).first?.message.contains("not a PSKC file") == true)
    }

    @Test("PSKC: a policy the importer does not understand refuses the key (RFC 6030 §5)")
    func pskcPolicy() throws {
        let plain = String(decoding: try fixture("pskc-plain"), as: UTF8.self)
        let pin = plain.replacingOccurrences(of: "<KeyUsage>OTP</KeyUsage>", with: "<PINPolicy MinLength=\"4\"/>")
        #expect(problems(TokenImport.parsePSKC(Data(pin.utf8), preSharedKey: nil)).map(\.location) == ["KeyPackage 2 (serial 987654321)"])
        let expired = plain.replacingOccurrences(of: "<KeyUsage>OTP</KeyUsage>", with: "<ExpiryDate>2001-01-01T00:00:00Z</ExpiryDate>")
        #expect(problems(TokenImport.parsePSKC(Data(expired.utf8), preSharedKey: nil)).first?.message.contains("expired") == true)
        let valid = plain.replacingOccurrences(of: "<KeyUsage>OTP</KeyUsage>",
                                               with: "<StartDate>2001-01-01T00:00:00Z</StartDate><ExpiryDate>2999-12-31T23:59:59.5Z</ExpiryDate>")
        #expect(tokens(TokenImport.parsePSKC(Data(valid.utf8), preSharedKey: nil)).count == 3)
    }

    @Test("An imported token's description hides the seed")
    func descriptionHidesSeed() {
        let token = ImportedToken(serial: "A", seed: Self.rfc4226Seed)
        #expect(!"\(token)".contains("49"))
        #expect("\(token)".contains("20 bytes"))
    }
}
