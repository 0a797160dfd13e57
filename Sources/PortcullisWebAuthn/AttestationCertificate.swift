import Crypto
import PortcullisCrypto
import SwiftASN1
import X509

/// An attestation certificate (RFC 5280), parsed by swift-certificates, with what packed attestation (WebAuthn §8.2.1)
/// asks of it: version, subject, key and extensions. Nothing here checks the certificate's own signature, validity
/// dates or chain (no trust anchors).
struct AttestationCertificate {
    let certificate: Certificate

    /// id-fido-gen-ce-aaguid, 1.3.6.1.4.1.45724.1.1.4.
    static let oidFIDOAAGUID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 45724, 1, 1, 4]

    /// Parses one DER certificate that must be the whole of `der`.
    init(der: [UInt8]) throws {
        certificate = try Certificate(derEncoded: der)
    }

    /// The first subject attribute of this type, when it is a UTF8String, PrintableString or IA5String.
    func subjectValue(_ type: ASN1ObjectIdentifier) -> String? {
        for rdn in certificate.subject {
            if let attribute = rdn.first(where: { $0.type == type }) { return String(attribute.value) }
        }
        return nil
    }

    /// The certificate's key when it is a P-256 key (the only kind packed x5c attestation accepts here).
    var p256PublicKey: P256.Signing.PublicKey? {
        P256.Signing.PublicKey(certificate.publicKey)
    }

    /// The requirements of WebAuthn §8.2.1 for a packed attestation certificate: version 3; subject C, O, CN non-empty
    /// and OU "Authenticator Attestation"; Basic Constraints present with CA false; and the AAGUID extension, when
    /// present, not critical and matching `aaguid`.
    func meetsPackedRequirements(aaguid: [UInt8]) -> Bool {
        guard certificate.version == .v3 else { return false }
        guard let country = subjectValue(.RDNAttributeType.countryName), !country.isEmpty,
              let organization = subjectValue(.RDNAttributeType.organizationName), !organization.isEmpty,
              subjectValue(.RDNAttributeType.organizationalUnitName) == "Authenticator Attestation",
              let commonName = subjectValue(.RDNAttributeType.commonName), !commonName.isEmpty else { return false }
        guard let basic = try? certificate.extensions.basicConstraints, basic == .notCertificateAuthority else { return false }
        if let fido = certificate.extensions[oid: Self.oidFIDOAAGUID] {
            guard !fido.critical, let octets = try? ASN1OctetString(derEncoded: fido.value),
                  constantTimeEquals(Array(octets.bytes), aaguid) else { return false }
        }
        return true
    }
}
