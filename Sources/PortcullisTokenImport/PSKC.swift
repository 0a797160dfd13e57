import Foundation
import PortcullisCrypto

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

    /// A problem with the file or one of its parts, told without repeating any secret.
    struct Message: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }
}
