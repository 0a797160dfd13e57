import Crypto
import Foundation
import PortcullisCrypto
import _CryptoExtras

/// Secrets in the clear or encrypted with the pre-shared key (RFC 6030 §6.1): the MAC key, the `ValueMAC` check
/// (before anything is decrypted) and AES-128-CBC.
extension PSKC {
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
