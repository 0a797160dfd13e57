import Crypto
import PortcullisCrypto
import _CryptoExtras
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// PSKC (RFC 6030) seed files: HOTP keys, in plain text or encrypted with a pre-shared AES-128 key (§6.1) and
/// protected by an HMAC (`MACMethod` and `ValueMAC`).
///
/// What is accepted:
/// - `KeyContainer Version="1.0"` with one or more `KeyPackage`s; elements are matched by namespace URI and local
///   name, whatever their prefixes.
/// - The serial is `DeviceInfo/SerialNo`, or `Key/@Id` when there is none.
/// - `Key/@Algorithm` must be `urn:ietf:params:xml:ns:keyprov:pskc:hotp`.
/// - `AlgorithmParameters/ResponseFormat`: `Length` 6 or 8 (6 when absent), `Encoding` DECIMAL;
///   `AlgorithmParameters/Suite` may name HMAC-SHA1 (the default), HMAC-SHA256 or HMAC-SHA512.
/// - `Data/Secret/PlainValue` (base64), or `Data/Secret/EncryptedValue` (AES-128-CBC, the IV prepended to the
///   ciphertext, PKCS#7 padding) with `Data/Secret/ValueMAC`, an HMAC (SHA-1, SHA-256 or SHA-512) of IV‖ciphertext
///   under the MAC key that `KeyContainer/MACMethod/MACKey` holds encrypted with the same pre-shared key.
///   The MAC is checked before anything is decrypted, and an encrypted secret without a MAC is refused.
/// - `Data/Counter/PlainValue` (0 when absent).
/// - `Key/Policy` may hold `KeyUsage` OTP and `StartDate`/`ExpiryDate` (checked against now); any other policy is
///   not understood, so the key is refused (RFC 6030 §5).
///
/// Refused before parsing: files over 10 MB, files that are not UTF-8, and any `<!DOCTYPE` or `<!ENTITY` (XXE).
enum PSKC {
    static let pskcNamespace = "urn:ietf:params:xml:ns:keyprov:pskc"
    static let xencNamespace = "http://www.w3.org/2001/04/xmlenc#"
    static let dsNamespace = "http://www.w3.org/2000/09/xmldsig#"
    static let hotpAlgorithm = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"
    static let aes128CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
    static let macAlgorithms: [String: OTPAlgorithm] = [
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1": .sha1,
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256": .sha256,
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512": .sha512,
    ]
    static let maximumDepth = 32

    static let encryptedWithoutKey = "this file is encrypted; give the pre-shared key"

    static func parse(_ data: Data, preSharedKey: [UInt8]?) -> Result<[ImportedToken], TokenImportFailure> {
        if let message = precheck(data) { return TokenImport.failure("file", message) }
        if let key = preSharedKey, key.count != 16 {
            return TokenImport.failure("file", "the pre-shared key must be 16 bytes (AES-128), not \(key.count)")
        }

        let root: XMLTreeNode
        switch XMLTree.parse(data) {
        case .success(let element): root = element
        case .failure(let message): return TokenImport.failure("file", message.text)
        }

        guard root.is("KeyContainer", pskcNamespace) else {
            return TokenImport.failure("file", "not a PSKC file: the root element is not a KeyContainer in namespace \(pskcNamespace)")
        }
        guard root.attributes["Version"] == "1.0" else {
            return TokenImport.failure("KeyContainer", "only PSKC version 1.0 is supported")
        }
        let packages = root.children("KeyPackage", pskcNamespace)
        guard !packages.isEmpty else {
            return TokenImport.failure("KeyContainer", "the file contains no KeyPackage")
        }

        // Encryption is decided once for the whole file: with no key, or a MAC key that cannot be recovered, every
        // encrypted package would fail the same way, so say it once.
        let isEncrypted = packages.contains { package in
            package.child("Key", pskcNamespace)?.child("Data", pskcNamespace)?
                .children.contains { $0.child("EncryptedValue", pskcNamespace) != nil } ?? false
        }
        var mac: (key: [UInt8], algorithm: OTPAlgorithm)?
        if isEncrypted {
            guard let preSharedKey else { return TokenImport.failure("file", encryptedWithoutKey) }
            if let encryptionKey = root.child("EncryptionKey", pskcNamespace),
               encryptionKey.children.contains(where: { !$0.is("KeyName", dsNamespace) }) {
                return TokenImport.failure("EncryptionKey", "only a pre-shared key (ds:KeyName) is supported, not a password-derived or certificate key")
            }
            if let method = root.child("MACMethod", pskcNamespace) {
                switch macKey(method, preSharedKey: preSharedKey) {
                case .success(let found): mac = found
                case .failure(let message): return TokenImport.failure("MACMethod", message.text)
                }
            }
        }

        var problems = TokenImport.ProblemList()
        var tokens: [ImportedToken] = []
        var firstPackageOfSerial: [String: Int] = [:]
        for (index, package) in packages.enumerated() {
            if problems.isFull { break }
            let number = index + 1
            switch token(in: package, preSharedKey: preSharedKey, mac: mac) {
            case .success(let token):
                let key = token.serial.lowercased()
                if let first = firstPackageOfSerial[key] {
                    problems.add("KeyPackage \(number) (serial \(token.serial))", "duplicate serial (first in KeyPackage \(first))")
                } else {
                    firstPackageOfSerial[key] = number
                    tokens.append(token)
                }
            case .failure(let failure):
                let location = failure.serial.map { "KeyPackage \(number) (serial \($0))" } ?? "KeyPackage \(number)"
                for message in failure.messages { problems.add(location, message) }
            }
        }
        if !problems.isEmpty { return .failure(problems.failure) }
        return .success(tokens)
    }

    // MARK: Before parsing

    /// Why the bytes are refused before the XML parser sees them, or nil.
    static func precheck(_ data: Data) -> String? {
        if data.count > TokenImport.maximumFileSize { return "the file is larger than 10 MB" }
        if data.isEmpty { return "the file is empty" }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.contains(0) {
            return "the file must be UTF-8"
        }
        // The XML parser must never see a DTD: no entity expansion, no external entities (XXE), no billion laughs.
        if contains(bytes, caseInsensitive: "<!DOCTYPE") || contains(bytes, caseInsensitive: "<!ENTITY") {
            return "DOCTYPE and ENTITY declarations are not allowed in a PSKC file"
        }
        // A declared encoding other than UTF-8 could hide a DOCTYPE from the check above (UTF-7, EBCDIC, ...).
        if let encoding = declaredEncoding(bytes), !["utf-8", "utf8", "us-ascii", "ascii"].contains(encoding.lowercased()) {
            return "the file must be UTF-8, not \(encoding.prefix(40))"
        }
        return nil
    }

    static func contains(_ bytes: [UInt8], caseInsensitive needle: String) -> Bool {
        let pattern = Array(needle.lowercased().utf8)
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count) where bytes[start] == pattern[0] {
            var matched = true
            for offset in 1..<pattern.count {
                var byte = bytes[start + offset]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
                if byte != pattern[offset] {
                    matched = false
                    break
                }
            }
            if matched { return true }
        }
        return false
    }

    /// The `encoding` of the XML declaration, if there is one.
    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let head = String(decoding: bytes[start..<min(bytes.count, start + 512)], as: UTF8.self)
        guard head.hasPrefix("<?xml"), let end = head.range(of: "?>") else { return nil }
        let declaration = head[head.startIndex..<end.lowerBound]
        guard let name = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[name.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return "?" }
        return String(rest.dropFirst().prefix { $0 != quote })
    }

    // MARK: Key packages

    struct PackageFailure: Error {
        var serial: String?
        var messages: [String]
    }

    static func token(in package: XMLTreeNode, preSharedKey: [UInt8]?, mac: (key: [UInt8], algorithm: OTPAlgorithm)?) -> Result<ImportedToken, PackageFailure> {
        var messages: [String] = []
        let key = package.child("Key", pskcNamespace)

        var serial: String?
        let serialNo = package.child("DeviceInfo", pskcNamespace)?.child("SerialNo", pskcNamespace)?.trimmedText
        let keyID = key?.attributes["Id"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let serialText = [serialNo, keyID].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            if let message = TokenImport.serialProblem(serialText) {
                messages.append(message)
            } else {
                serial = serialText
            }
        } else {
            messages.append("no serial (DeviceInfo/SerialNo or Key Id)")
        }

        guard let key else {
            messages.append("no Key element")
            return .failure(PackageFailure(serial: serial, messages: messages))
        }

        let algorithmURI = key.attributes["Algorithm"] ?? ""
        guard algorithmURI == hotpAlgorithm else {
            let shown = algorithmURI.isEmpty ? "no algorithm" : "algorithm \(algorithmURI.prefix(100))"
            messages.append("unsupported key (\(shown)); only HOTP (\(hotpAlgorithm)) can be imported")
            return .failure(PackageFailure(serial: serial, messages: messages))
        }

        var digits = 6
        var algorithm = OTPAlgorithm.sha1
        if let parameters = key.child("AlgorithmParameters", pskcNamespace) {
            if let format = parameters.child("ResponseFormat", pskcNamespace) {
                switch format.attributes["Length"]?.trimmingCharacters(in: .whitespaces) {
                case "6": digits = 6
                case "8": digits = 8
                default: messages.append("ResponseFormat Length must be 6 or 8")
                }
                if let encoding = format.attributes["Encoding"], encoding != "DECIMAL" {
                    messages.append("ResponseFormat Encoding must be DECIMAL")
                }
            }
            if let suite = parameters.child("Suite", pskcNamespace)?.trimmedText {
                switch suite.uppercased() {
                case "HMAC-SHA1", "SHA1", "SHA-1": algorithm = .sha1
                case "HMAC-SHA256", "SHA256", "SHA-256": algorithm = .sha256
                case "HMAC-SHA512", "SHA512", "SHA-512": algorithm = .sha512
                default: messages.append("unsupported Suite (expected HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512)")
                }
            }
        }

        if let policy = key.child("Policy", pskcNamespace) {
            messages.append(contentsOf: policyProblems(policy))
        }

        let data = key.child("Data", pskcNamespace)
        var seed: [UInt8]?
        if let secret = data?.child("Secret", pskcNamespace) {
            switch secretBytes(secret, preSharedKey: preSharedKey, mac: mac) {
            case .success(let bytes):
                if let message = TokenImport.seedLengthProblem(bytes.count) { messages.append(message) } else { seed = bytes }
            case .failure(let message):
                messages.append(message.text)
            }
        } else {
            messages.append("no secret (Data/Secret)")
        }

        var counter: UInt64 = 0
        if let counterElement = data?.child("Counter", pskcNamespace) {
            if let plain = counterElement.child("PlainValue", pskcNamespace) {
                let text = plain.trimmedText
                if !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = UInt64(text) {
                    counter = value
                } else {
                    messages.append("Counter must be a whole number from 0 to \(UInt64.max)")
                }
            } else {
                messages.append("only a plain Counter value is supported")
            }
        }

        guard messages.isEmpty, let serial, let seed else {
            return .failure(PackageFailure(serial: serial, messages: messages))
        }
        return .success(ImportedToken(serial: serial, seed: seed, algorithm: algorithm, digits: digits, counter: counter))
    }

    /// RFC 6030 §5: a key whose policy holds anything the recipient does not understand must not be used.
    static func policyProblems(_ policy: XMLTreeNode) -> [String] {
        var problems: [String] = []
        let now = Date()
        for item in policy.children {
            guard item.namespace == pskcNamespace else {
                problems.append("Policy \(item.name.prefix(40)) is not understood, so the key may not be used (RFC 6030 §5)")
                continue
            }
            switch item.name {
            case "KeyUsage":
                if item.trimmedText != "OTP" { problems.append("KeyUsage must be OTP") }
            case "StartDate":
                if let date = parseDate(item.trimmedText) {
                    if date > now { problems.append("the key may not be used before StartDate \(item.trimmedText)") }
                } else {
                    problems.append("StartDate is not a valid date and time")
                }
            case "ExpiryDate":
                if let date = parseDate(item.trimmedText) {
                    if date <= now { problems.append("the key expired on \(item.trimmedText)") }
                } else {
                    problems.append("ExpiryDate is not a valid date and time")
                }
            default:
                problems.append("Policy \(item.name.prefix(40)) is not supported, so the key may not be used (RFC 6030 §5)")
            }
        }
        return problems
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    // MARK: Secrets and encryption

    struct Message: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    static func secretBytes(_ secret: XMLTreeNode, preSharedKey: [UInt8]?, mac: (key: [UInt8], algorithm: OTPAlgorithm)?) -> Result<[UInt8], Message> {
        let plain = secret.child("PlainValue", pskcNamespace)
        let encrypted = secret.child("EncryptedValue", pskcNamespace)
        switch (plain, encrypted) {
        case (let plain?, nil):
            guard let bytes = base64(plain.text) else { return .failure(Message("the secret (PlainValue) is not valid base64")) }
            return .success(bytes)
        case (nil, let encrypted?):
            guard let preSharedKey else { return .failure(Message(encryptedWithoutKey)) }
            guard let mac else {
                return .failure(Message("the secret is encrypted without a MAC (KeyContainer/MACMethod); such files are refused"))
            }
            guard let valueMAC = secret.child("ValueMAC", pskcNamespace) else {
                return .failure(Message("the encrypted secret has no ValueMAC; MAC check failed"))
            }
            let cipherValue: [UInt8]
            switch encryptedBytes(encrypted) {
            case .success(let bytes): cipherValue = bytes
            case .failure(let message): return .failure(message)
            }
            guard let expected = base64(valueMAC.text) else { return .failure(Message("ValueMAC is not valid base64; MAC check failed")) }
            guard constantTimeEquals(hmac(cipherValue, key: mac.key, algorithm: mac.algorithm), expected) else {
                return .failure(Message("MAC check failed (wrong pre-shared key, or the file was altered)"))
            }
            guard let bytes = try? aes128CBCDecrypt(cipherValue, key: preSharedKey) else {
                return .failure(Message("the secret does not decrypt with the pre-shared key"))
            }
            return .success(bytes)
        case (nil, nil):
            return .failure(Message("no secret value (PlainValue or EncryptedValue)"))
        case (.some, .some):
            return .failure(Message("the secret has both a PlainValue and an EncryptedValue"))
        }
    }

    /// The MAC key of `MACMethod`, decrypted with the pre-shared key.
    static func macKey(_ method: XMLTreeNode, preSharedKey: [UInt8]) -> Result<(key: [UInt8], algorithm: OTPAlgorithm), Message> {
        guard let algorithm = macAlgorithms[method.attributes["Algorithm"] ?? ""] else {
            return .failure(Message("unsupported MAC algorithm (expected \(macAlgorithms.keys.sorted().joined(separator: ", ")))"))
        }
        guard let macKey = method.child("MACKey", pskcNamespace) else {
            return .failure(Message("only a MACKey inside MACMethod is supported"))
        }
        let cipherValue: [UInt8]
        switch encryptedBytes(macKey) {
        case .success(let bytes): cipherValue = bytes
        case .failure(let message): return .failure(message)
        }
        guard let key = try? aes128CBCDecrypt(cipherValue, key: preSharedKey), !key.isEmpty else {
            return .failure(Message("MAC check failed: the MAC key does not decrypt (wrong pre-shared key?)"))
        }
        return .success((key, algorithm))
    }

    /// IV‖ciphertext of an xenc `EncryptedValue`-like element (EncryptionMethod and CipherData/CipherValue).
    static func encryptedBytes(_ element: XMLTreeNode) -> Result<[UInt8], Message> {
        guard let method = element.child("EncryptionMethod", xencNamespace)?.attributes["Algorithm"] else {
            return .failure(Message("the encrypted value has no xenc:EncryptionMethod"))
        }
        guard method == aes128CBC else {
            return .failure(Message("unsupported encryption method (only \(aes128CBC))"))
        }
        guard let text = element.child("CipherData", xencNamespace)?.child("CipherValue", xencNamespace)?.text else {
            return .failure(Message("the encrypted value has no xenc:CipherData/xenc:CipherValue"))
        }
        guard let bytes = base64(text) else { return .failure(Message("CipherValue is not valid base64")) }
        guard bytes.count >= 32, bytes.count % 16 == 0 else {
            return .failure(Message("CipherValue must be a 16-byte IV followed by whole AES blocks"))
        }
        return .success(bytes)
    }

    static func hmac(_ message: [UInt8], key: [UInt8], algorithm: OTPAlgorithm) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch algorithm {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }

    /// AES-128-CBC with the IV prepended to the ciphertext and PKCS#7 padding (RFC 6030 §6.1).
    static func aes128CBCDecrypt(_ ivAndCiphertext: [UInt8], key: [UInt8]) throws -> [UInt8] {
        guard key.count == 16, ivAndCiphertext.count >= 32, ivAndCiphertext.count % 16 == 0 else {
            throw CryptoKitError.incorrectParameterSize
        }
        let iv = try AES._CBC.IV(ivBytes: ivAndCiphertext[0..<16])
        let ciphertext = Array(ivAndCiphertext[16...])
        return Array(try AES._CBC.decrypt(ciphertext, using: SymmetricKey(data: key), iv: iv))
    }

    /// Strict base64, ignoring only XML whitespace.
    static func base64(_ text: String) -> [UInt8]? {
        let compact = String(text.unicodeScalars.filter { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r") })
        guard !compact.isEmpty, let data = Data(base64Encoded: compact) else { return nil }
        return [UInt8](data)
    }
}

// MARK: - A small XML tree

/// An element of a parsed document: namespace URI, local name, attributes (unprefixed names), children and text.
final class XMLTreeNode {
    let name: String
    let namespace: String?
    let attributes: [String: String]
    var children: [XMLTreeNode] = []
    var text = ""

    init(name: String, namespace: String?, attributes: [String: String]) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
    }

    func `is`(_ name: String, _ namespace: String) -> Bool {
        self.name == name && self.namespace == namespace
    }

    func child(_ name: String, _ namespace: String) -> XMLTreeNode? {
        children.first { $0.is(name, namespace) }
    }

    func children(_ name: String, _ namespace: String) -> [XMLTreeNode] {
        children.filter { $0.is(name, namespace) }
    }

    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Builds an `XMLTreeNode` tree with Foundation's `XMLParser` (namespaces on, external entities off).
/// Callers must have refused DTDs already (`PSKC.precheck`).
enum XMLTree {
    static func parse(_ data: Data) -> Result<XMLTreeNode, PSKC.Message> {
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let builder = Builder()
        parser.delegate = builder
        let parsed = parser.parse()
        if let refusal = builder.refusal { return .failure(PSKC.Message(refusal)) }
        guard parsed, let root = builder.root, builder.stack.isEmpty else {
            return .failure(PSKC.Message("the file is not well-formed XML (error near line \(parser.lineNumber))"))
        }
        return .success(root)
    }

    final class Builder: NSObject, XMLParserDelegate {
        var root: XMLTreeNode?
        var stack: [XMLTreeNode] = []
        var refusal: String?

        func refuse(_ parser: XMLParser, _ message: String) {
            if refusal == nil { refusal = message }
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            guard refusal == nil else { return }
            guard stack.count < PSKC.maximumDepth else {
                refuse(parser, "the XML is nested more than \(PSKC.maximumDepth) levels deep")
                return
            }
            let element = XMLTreeNode(name: elementName, namespace: namespaceURI.flatMap { $0.isEmpty ? nil : $0 }, attributes: attributeDict)
            if let parent = stack.last {
                parent.children.append(element)
            } else if root == nil {
                root = element
            } else {
                refuse(parser, "the file is not well-formed XML (more than one root element)")
                return
            }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard refusal == nil else { return }
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }

        // Belt and braces: the precheck refuses DTDs, but if one ever reaches the parser, stop.
        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            refuse(parser, "DOCTYPE and ENTITY declarations are not allowed in a PSKC file")
        }

        func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
            refuse(parser, "DOCTYPE and ENTITY declarations are not allowed in a PSKC file")
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            refuse(parser, "DOCTYPE and ENTITY declarations are not allowed in a PSKC file")
            return nil
        }
    }
}
