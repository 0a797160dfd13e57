import Crypto
import _CryptoExtras
import Foundation

/// The COSE algorithms Portcullis accepts for WebAuthn credentials (IANA COSE Algorithms registry).
public enum COSEAlgorithm: Int, Sendable, CaseIterable {
    /// ECDSA with SHA-256 on P-256; signatures are DER-encoded (WebAuthn §6.5.6).
    case es256 = -7
    /// EdDSA; only Ed25519 keys are accepted.
    case edDSA = -8
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = -257
}

/// Why a COSE key was refused.
public enum COSEKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not CBOR, not a map, or a required parameter is missing or of the wrong type.
    case malformed(String)
    /// An algorithm (label 3) other than ES256, RS256 and EdDSA, or none at all (nil).
    case unsupportedAlgorithm(Int?)
    /// The key type (label 1) or curve does not go with the algorithm.
    case unsupportedKeyType(String)
    /// The parameters are there but do not make a valid key (a point off the curve, a short RSA modulus, ...).
    case invalidKey(String)

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed COSE key: \(reason)"
        case .unsupportedAlgorithm(let alg): return "unsupported COSE algorithm \(alg.map(String.init) ?? "(none)")"
        case .unsupportedKeyType(let reason): return "unsupported COSE key: \(reason)"
        case .invalidKey(let reason): return "invalid COSE key: \(reason)"
        }
    }
}

/// A credential public key in COSE form (RFC 9052/9053, RFC 8230 for RSA): EC2 P-256 with ES256, RSA with RS256, or
/// OKP Ed25519 with EdDSA. Anything else is refused when parsing. `bytes` are the encoding as the authenticator sent it,
/// which is what gets stored.
public struct COSEPublicKey: Sendable, Equatable {
    /// The key's parameters, already checked: P-256 points are on the curve, Ed25519 keys are 32 bytes, RSA moduli are
    /// 2048 to 8192 bits.
    public enum Parameters: Sendable, Equatable {
        case ec2P256(x: [UInt8], y: [UInt8])
        case rsa(n: [UInt8], e: [UInt8])
        case okpEd25519(x: [UInt8])
    }

    /// The original CBOR encoding.
    public let bytes: [UInt8]
    public let algorithm: COSEAlgorithm
    public let parameters: Parameters

    // COSE labels (RFC 9052 §7.1, RFC 9053 §7, RFC 8230 §4).
    private static let labelKeyType = 1
    private static let labelAlgorithm = 3
    private static let labelCurve = -1   // EC2, OKP
    private static let labelX = -2       // EC2, OKP
    private static let labelY = -3       // EC2
    private static let labelD = -4       // EC2, OKP private key
    private static let labelN = -1       // RSA
    private static let labelE = -2       // RSA
    private static let labelRSAPrivate = -3  // RSA d (and the CRT values after it)

    /// Parses a COSE key that must be the whole of `bytes`.
    public init(bytes: [UInt8]) throws {
        let value: CBORValue
        do {
            value = try CBORValue.decode(bytes, maxDepth: 4, maxItems: 64)
        } catch let error as CBORError {
            throw COSEKeyError.malformed(error.description)
        }
        try self.init(cbor: value, bytes: bytes)
    }

    /// Builds the key from an already decoded map; `bytes` must be that map's encoding.
    init(cbor value: CBORValue, bytes: [UInt8]) throws {
        guard value.mapValue != nil else { throw COSEKeyError.malformed("not a map") }
        guard let kty = value[Self.labelKeyType]?.intValue else { throw COSEKeyError.malformed("no integer key type (1)") }
        guard let algValue = value[Self.labelAlgorithm] else { throw COSEKeyError.unsupportedAlgorithm(nil) }
        guard let alg = algValue.intValue else { throw COSEKeyError.malformed("algorithm (3) is not an integer") }
        guard let algorithm = COSEAlgorithm(rawValue: alg) else { throw COSEKeyError.unsupportedAlgorithm(alg) }

        func byteString(_ label: Int, _ name: String) throws -> [UInt8] {
            guard let entry = value[label] else { throw COSEKeyError.malformed("no \(name) (\(label))") }
            guard let data = entry.bytesValue else { throw COSEKeyError.malformed("\(name) (\(label)) is not a byte string") }
            return data
        }

        switch algorithm {
        case .es256:
            guard kty == 2 else { throw COSEKeyError.unsupportedKeyType("ES256 needs key type EC2 (2), not \(kty)") }
            guard value[Self.labelCurve]?.intValue == 1 else { throw COSEKeyError.unsupportedKeyType("ES256 needs curve P-256 (1)") }
            guard value[Self.labelD] == nil else { throw COSEKeyError.invalidKey("private key present") }
            let x = try byteString(Self.labelX, "x"), y = try byteString(Self.labelY, "y")
            guard x.count == 32, y.count == 32 else { throw COSEKeyError.invalidKey("P-256 coordinates must be 32 bytes") }
            guard (try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)) != nil else {
                throw COSEKeyError.invalidKey("point is not on P-256")
            }
            parameters = .ec2P256(x: x, y: y)
        case .edDSA:
            guard kty == 1 else { throw COSEKeyError.unsupportedKeyType("EdDSA needs key type OKP (1), not \(kty)") }
            guard value[Self.labelCurve]?.intValue == 6 else { throw COSEKeyError.unsupportedKeyType("EdDSA needs curve Ed25519 (6)") }
            guard value[Self.labelD] == nil else { throw COSEKeyError.invalidKey("private key present") }
            let x = try byteString(Self.labelX, "x")
            guard x.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: x)) != nil else {
                throw COSEKeyError.invalidKey("Ed25519 public keys are 32 bytes")
            }
            parameters = .okpEd25519(x: x)
        case .rs256:
            guard kty == 3 else { throw COSEKeyError.unsupportedKeyType("RS256 needs key type RSA (3), not \(kty)") }
            guard value[Self.labelRSAPrivate] == nil else { throw COSEKeyError.invalidKey("private key present") }
            let n = try byteString(Self.labelN, "n"), e = try byteString(Self.labelE, "e")
            // Check the size before handing the numbers to BoringSSL; leading zero bytes do not count.
            let modulusBytes = n.drop { $0 == 0 }.count
            guard (256...1024).contains(modulusBytes), (1...8).contains(e.count) else {
                throw COSEKeyError.invalidKey("RSA modulus must be 2048 to 8192 bits")
            }
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e), (2048...8192).contains(key.keySizeInBits) else {
                throw COSEKeyError.invalidKey("not a usable RSA public key")
            }
            parameters = .rsa(n: n, e: e)
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    public static func == (lhs: COSEPublicKey, rhs: COSEPublicKey) -> Bool { lhs.bytes == rhs.bytes }

    /// Whether `signature` is this key's signature over `data`: for ES256 a DER-encoded ECDSA signature over
    /// SHA-256(data), for RS256 PKCS#1 v1.5 with SHA-256, for EdDSA a raw 64-byte Ed25519 signature.
    public func verify(signature: [UInt8], data: [UInt8]) -> Bool {
        switch parameters {
        case .ec2P256(let x, let y):
            guard let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y),
                  let ecdsa = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: data)
        case .okpEd25519(let x):
            guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x) else { return false }
            return key.isValidSignature(signature, for: data)
        case .rsa(let n, let e):
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { return false }
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: data,
                                        padding: .insecurePKCS1v1_5)
        }
    }
}
