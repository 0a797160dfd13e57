import Crypto
import Foundation
import PortcullisCrypto

/// The relying party: Portcullis as seen by browsers and authenticators.
public struct WebAuthnRelyingParty: Sendable, Equatable {
    /// The RP ID: the host of the base URL ("mfa.example.com", "localhost"). Browsers refuse IP addresses as RP IDs,
    /// so a development setup should use `http://localhost:…` rather than `http://127.0.0.1:…`.
    public var id: String
    /// The name authenticators may show.
    public var name: String
    /// The exact origin browsers report in clientDataJSON: scheme, host and a non-default port
    /// ("https://mfa.example.com", "http://localhost:8080").
    public var origin: String

    public init(id: String, name: String, origin: String) {
        self.id = id
        self.name = name
        self.origin = origin
    }

    /// Derives the RP ID and origin from `PORTCULLIS_BASE_URL` (any path is ignored). Nil unless the URL is http or
    /// https with a host and no user info.
    public init?(baseURL: String, name: String) {
        guard let components = URLComponents(string: baseURL),
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
              var host = components.host?.lowercased(), !host.isEmpty,
              components.user == nil, components.password == nil else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let hostInOrigin = host.contains(":") ? "[\(host)]" : host
        var origin = "\(scheme)://\(hostInOrigin)"
        if let port = components.port {
            guard (1...65535).contains(port) else { return nil }
            if !(scheme == "https" && port == 443) && !(scheme == "http" && port == 80) { origin += ":\(port)" }
        }
        self.init(id: host, name: name, origin: origin)
    }
}

/// A credential that passed registration; what the lead stores (COSE key bytes, counter, flags).
public struct WebAuthnRegistration: Sendable, Equatable {
    public var credentialID: [UInt8]
    /// The credential public key, COSE-encoded exactly as the authenticator sent it.
    public var publicKey: [UInt8]
    /// The COSE algorithm: -7 (ES256), -257 (RS256) or -8 (EdDSA).
    public var algorithm: Int
    public var signCount: UInt32
    public var aaguid: [UInt8]
    public var userVerified: Bool
    public var backupEligible: Bool
    public var backupState: Bool
    /// The attestation statement format: "none" or "packed".
    public var attestationFormat: String

    public init(credentialID: [UInt8], publicKey: [UInt8], algorithm: Int, signCount: UInt32, aaguid: [UInt8],
                userVerified: Bool, backupEligible: Bool, backupState: Bool, attestationFormat: String) {
        self.credentialID = credentialID
        self.publicKey = publicKey
        self.algorithm = algorithm
        self.signCount = signCount
        self.aaguid = aaguid
        self.userVerified = userVerified
        self.backupEligible = backupEligible
        self.backupState = backupState
        self.attestationFormat = attestationFormat
    }
}

/// The outcome of a good assertion: the new counter and backup state to store.
public struct WebAuthnAssertion: Sendable, Equatable {
    public var signCount: UInt32
    public var userVerified: Bool
    public var backupState: Bool

    public init(signCount: UInt32, userVerified: Bool, backupState: Bool) {
        self.signCount = signCount
        self.userVerified = userVerified
        self.backupState = backupState
    }
}

/// Why a WebAuthn ceremony was refused: one case per check.
public enum WebAuthnError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The expected challenge given by the caller is shorter than 16 bytes (a programming error).
    case challengeTooShort
    /// clientDataJSON is not UTF-8 JSON with string `type`, `challenge` and `origin` (and a boolean `crossOrigin`).
    case malformedClientData
    /// clientDataJSON `type` is not "webauthn.create" / "webauthn.get".
    case wrongType
    case challengeMismatch
    case originMismatch
    /// `crossOrigin` is true or a `topOrigin` is given: Portcullis is never embedded in another site's frame.
    case crossOrigin
    /// The attestation object is not a CBOR map with text `fmt`, map `attStmt` and bytes `authData`.
    case malformedAttestation
    /// Authenticator data too short, with bytes left over, without attested credential data on registration, or
    /// with unparsable extensions.
    case malformedAuthenticatorData
    case rpIdHashMismatch
    case userNotPresent
    case userNotVerified
    /// The BS (backed up) flag without the BE (backup eligible) flag.
    case invalidBackupFlags
    /// The credential key uses an algorithm other than ES256, RS256 and EdDSA (or a key type or curve that does not go
    /// with it).
    case unsupportedAlgorithm
    /// The credential key has the right algorithm but is not a valid key (missing or wrong-sized parameters).
    case malformedPublicKey
    /// An attestation statement format other than "none" and "packed", or a packed variant not supported (ECDAA,
    /// x5c with an algorithm other than ES256).
    case unsupportedAttestation(String)
    /// The attestation statement is malformed or inconsistent: a non-empty "none" statement, a packed `alg` that does
    /// not match the key, an attestation certificate that does not meet WebAuthn §8.2.1.
    case attestationInvalid
    /// A signature (attestation or assertion) does not verify.
    case badSignature
    /// The signature counter did not move forward: a cloned authenticator, or a replayed assertion.
    case signCountRegression(stored: UInt32, received: UInt32)
    case credentialIDTooLong

    public var description: String {
        switch self {
        case .challengeTooShort: return "the expected challenge is too short"
        case .malformedClientData: return "client data is malformed"
        case .wrongType: return "client data has the wrong type"
        case .challengeMismatch: return "the challenge does not match"
        case .originMismatch: return "the origin does not match"
        case .crossOrigin: return "cross-origin use is not allowed"
        case .malformedAttestation: return "the attestation object is malformed"
        case .malformedAuthenticatorData: return "authenticator data is malformed"
        case .rpIdHashMismatch: return "authenticator data is for another relying party"
        case .userNotPresent: return "the user was not present"
        case .userNotVerified: return "the user was not verified"
        case .invalidBackupFlags: return "backup state set without backup eligibility"
        case .unsupportedAlgorithm: return "the credential's algorithm is not supported"
        case .malformedPublicKey: return "the credential public key is malformed"
        case .unsupportedAttestation(let format): return "attestation format \"\(format)\" is not supported"
        case .attestationInvalid: return "the attestation statement is invalid"
        case .badSignature: return "the signature does not verify"
        case .signCountRegression(let stored, let received):
            return "signature counter went from \(stored) to \(received)"
        case .credentialIDTooLong: return "the credential ID is too long"
        }
    }
}

/// WebAuthn Level 2/3 ceremony verification (§7.1 registration, §7.2 authentication).
///
/// Attestation: formats "none" and "packed" (self attestation, and x5c with ES256). For x5c the leaf certificate must
/// meet §8.2.1 and its key must verify the signature, but **no trust anchors are checked** (no FIDO Metadata Service,
/// no chain validation, no validity dates): an x5c attestation proves only that the authenticator holds the
/// certificate's key. Token binding is ignored. Extension outputs are parsed for well-formedness and ignored.
public enum WebAuthn {
    /// The COSE algorithms accepted, most preferred first, for `pubKeyCredParams`.
    public static let supportedAlgorithms: [Int] = [-7, -257, -8]
    /// The shortest expected challenge accepted (WebAuthn §13.4.3 asks for at least 16 random bytes).
    public static let minimumChallengeLength = 16

    /// navigator.credentials.create(): checks clientDataJSON (type "webauthn.create", challenge (base64url, compared in
    /// constant time), origin, not cross-origin), the authenticator data (RP ID hash, UP, UV when required, BE/BS,
    /// attested credential data with a supported key and an ID of at most 1023 bytes), and the attestation statement.
    /// Whether the credential ID is already registered is the caller's check.
    public static func verifyRegistration(clientDataJSON: [UInt8], attestationObject: [UInt8], expectedChallenge: [UInt8],
                                          relyingParty: WebAuthnRelyingParty, requireUserVerification: Bool) throws -> WebAuthnRegistration {
        try checkClientData(clientDataJSON, type: "webauthn.create", expectedChallenge: expectedChallenge, relyingParty: relyingParty)
        let clientDataHash = Array(SHA256.hash(data: clientDataJSON))

        // §7.1 step 12: fmt, attStmt, authData.
        guard let object = try? CBORValue.decode(attestationObject, maxDepth: 8, maxItems: 1_000),
              object.mapValue != nil,
              let format = object["fmt"]?.textValue,
              let statement = object["attStmt"], statement.mapValue != nil,
              let authDataBytes = object["authData"]?.bytesValue else { throw WebAuthnError.malformedAttestation }

        let authData = try AuthenticatorData(bytes: authDataBytes)
        try checkAuthenticatorData(authData, relyingParty: relyingParty, requireUserVerification: requireUserVerification)
        guard let credential = authData.attestedCredential else { throw WebAuthnError.malformedAuthenticatorData }

        // §7.1 steps 21–22.
        let signedData = authDataBytes + clientDataHash
        switch format {
        case "none":
            guard statement.mapValue?.isEmpty == true else { throw WebAuthnError.attestationInvalid }
        case "packed":
            try verifyPacked(statement, signedData: signedData, credential: credential)
        default:
            throw WebAuthnError.unsupportedAttestation(format)
        }

        return WebAuthnRegistration(
            credentialID: credential.credentialID, publicKey: credential.publicKey.bytes,
            algorithm: credential.publicKey.algorithm.rawValue, signCount: authData.signCount, aaguid: credential.aaguid,
            userVerified: authData.userVerified, backupEligible: authData.backupEligible, backupState: authData.backupState,
            attestationFormat: format)
    }

    /// navigator.credentials.get(): checks clientDataJSON (type "webauthn.get", challenge, origin, not cross-origin),
    /// the authenticator data (RP ID hash, UP, UV when required, BE/BS), the signature over
    /// authenticatorData || SHA-256(clientDataJSON) with the stored COSE key, and the counter: when the stored or the
    /// received count is non-zero the received one must be greater (0 and 0 is allowed: synced passkeys keep no counter).
    /// Finding the credential (allowCredentials, user handle) is the caller's job; so is comparing BE with the stored value.
    public static func verifyAssertion(clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8],
                                       credentialPublicKey: [UInt8], storedSignCount: UInt32, expectedChallenge: [UInt8],
                                       relyingParty: WebAuthnRelyingParty, requireUserVerification: Bool) throws -> WebAuthnAssertion {
        let key: COSEPublicKey
        do {
            key = try COSEPublicKey(bytes: credentialPublicKey)
        } catch let error as COSEKeyError {
            switch error {
            case .unsupportedAlgorithm, .unsupportedKeyType: throw WebAuthnError.unsupportedAlgorithm
            case .malformed, .invalidKey: throw WebAuthnError.malformedPublicKey
            }
        }
        try checkClientData(clientDataJSON, type: "webauthn.get", expectedChallenge: expectedChallenge, relyingParty: relyingParty)
        let authData = try AuthenticatorData(bytes: authenticatorData)
        try checkAuthenticatorData(authData, relyingParty: relyingParty, requireUserVerification: requireUserVerification)

        let clientDataHash = Array(SHA256.hash(data: clientDataJSON))
        guard key.verify(signature: signature, data: authenticatorData + clientDataHash) else { throw WebAuthnError.badSignature }

        if storedSignCount != 0 || authData.signCount != 0 {
            guard authData.signCount > storedSignCount else {
                throw WebAuthnError.signCountRegression(stored: storedSignCount, received: authData.signCount)
            }
        }
        return WebAuthnAssertion(signCount: authData.signCount, userVerified: authData.userVerified, backupState: authData.backupState)
    }

    // MARK: Shared checks

    /// The members of CollectedClientData that are checked; unknown members (and `tokenBinding`) are ignored.
    private struct ClientData: Decodable {
        let type: String
        let challenge: String
        let origin: String
        let crossOrigin: Bool?
        let topOrigin: String?
    }

    /// §7.1 steps 5–10, §7.2 steps 9–14.
    private static func checkClientData(_ json: [UInt8], type: String, expectedChallenge: [UInt8],
                                        relyingParty: WebAuthnRelyingParty) throws {
        guard expectedChallenge.count >= minimumChallengeLength else { throw WebAuthnError.challengeTooShort }
        guard json.count <= 64 * 1024,
              let clientData = try? JSONDecoder().decode(ClientData.self, from: Data(json)) else {
            throw WebAuthnError.malformedClientData
        }
        guard clientData.type == type else { throw WebAuthnError.wrongType }
        guard constantTimeEquals(clientData.challenge, Base64URL.encode(expectedChallenge)) else {
            throw WebAuthnError.challengeMismatch
        }
        guard clientData.origin == relyingParty.origin else { throw WebAuthnError.originMismatch }
        guard clientData.crossOrigin != true, clientData.topOrigin == nil else { throw WebAuthnError.crossOrigin }
    }

    /// §7.1 steps 13–16, §7.2 steps 15–18.
    private static func checkAuthenticatorData(_ authData: AuthenticatorData, relyingParty: WebAuthnRelyingParty,
                                               requireUserVerification: Bool) throws {
        let expectedHash = SHA256.hash(data: Array(relyingParty.id.utf8))
        guard constantTimeEquals(authData.rpIDHash, Array(expectedHash)) else { throw WebAuthnError.rpIdHashMismatch }
        guard authData.userPresent else { throw WebAuthnError.userNotPresent }
        guard authData.userVerified || !requireUserVerification else { throw WebAuthnError.userNotVerified }
        guard authData.backupEligible || !authData.backupState else { throw WebAuthnError.invalidBackupFlags }
    }

    /// Packed attestation (§8.2): self attestation, or x5c with ES256. ECDAA was removed from the spec and is refused.
    private static func verifyPacked(_ statement: CBORValue, signedData: [UInt8],
                                     credential: AuthenticatorData.AttestedCredential) throws {
        guard let alg = statement["alg"]?.intValue, let signature = statement["sig"]?.bytesValue else {
            throw WebAuthnError.attestationInvalid
        }
        if statement["ecdaaKeyId"] != nil { throw WebAuthnError.unsupportedAttestation("packed (ECDAA)") }

        guard let x5c = statement["x5c"] else {
            // Self attestation: the credential key signs, with its own algorithm.
            guard alg == credential.publicKey.algorithm.rawValue else { throw WebAuthnError.attestationInvalid }
            guard credential.publicKey.verify(signature: signature, data: signedData) else { throw WebAuthnError.badSignature }
            return
        }

        guard alg == COSEAlgorithm.es256.rawValue else { throw WebAuthnError.unsupportedAttestation("packed (x5c, alg \(alg))") }
        guard let chain = x5c.arrayValue, let leafDER = chain.first?.bytesValue,
              chain.allSatisfy({ $0.bytesValue != nil }) else { throw WebAuthnError.attestationInvalid }
        guard let leaf = try? AttestationCertificate(der: leafDER),
              leaf.meetsPackedRequirements(aaguid: credential.aaguid),
              let key = leaf.p256PublicKey else {
            throw WebAuthnError.attestationInvalid
        }
        guard let ecdsa = try? P256.Signing.ECDSASignature(derRepresentation: signature),
              key.isValidSignature(ecdsa, for: signedData) else { throw WebAuthnError.badSignature }
    }
}
