import Foundation
import PortcullisCrypto

/// A minimal DER reader: single-byte tags, definite lengths, every read bounds-checked.
struct DERReader {
    struct Element {
        let tag: UInt8
        /// The contents.
        let value: ArraySlice<UInt8>
        /// Tag, length and contents.
        let encoding: ArraySlice<UInt8>
    }

    struct Malformed: Error {}

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position >= bytes.endIndex }

    /// The tag of the next element, if any.
    var nextTag: UInt8? { isAtEnd ? nil : bytes[position] }

    mutating func read() throws -> Element {
        let start = position
        guard bytes.endIndex - position >= 2 else { throw Malformed() }
        let tag = bytes[position]
        guard tag & 0x1f != 0x1f else { throw Malformed() }  // multi-byte tags never occur in what we read
        let first = bytes[position + 1]
        position += 2
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard (1...4).contains(count), bytes.endIndex - position >= count else { throw Malformed() }  // 0x80: indefinite
            for _ in 0..<count {
                length = length << 8 | Int(bytes[position])
                position += 1
            }
        }
        guard length <= bytes.endIndex - position else { throw Malformed() }
        let value = bytes[position..<(position + length)]
        position += length
        return Element(tag: tag, value: value, encoding: bytes[start..<position])
    }

    mutating func read(tag: UInt8) throws -> Element {
        let element = try read()
        guard element.tag == tag else { throw Malformed() }
        return element
    }
}

/// Just enough of an X.509 certificate (RFC 5280) for packed attestation (WebAuthn §8.2.1): version, subject,
/// SubjectPublicKeyInfo and extensions. Nothing here checks the certificate's own signature, validity dates or chain.
struct AttestationCertificate {
    struct Extension {
        let oid: [UInt8]
        let critical: Bool
        let value: [UInt8]
    }

    /// The X.509 version number as encoded (2 means v3).
    let version: Int
    /// Subject attributes: DER OID contents and the value when it is a UTF8String, PrintableString or IA5String.
    let subject: [(oid: [UInt8], value: String?)]
    /// The DER SubjectPublicKeyInfo, tag and length included.
    let subjectPublicKeyInfo: [UInt8]
    let extensions: [Extension]

    static let oidCountry: [UInt8] = [0x55, 0x04, 0x06]
    static let oidOrganization: [UInt8] = [0x55, 0x04, 0x0a]
    static let oidOrganizationalUnit: [UInt8] = [0x55, 0x04, 0x0b]
    static let oidCommonName: [UInt8] = [0x55, 0x04, 0x03]
    static let oidBasicConstraints: [UInt8] = [0x55, 0x1d, 0x13]
    /// id-fido-gen-ce-aaguid, 1.3.6.1.4.1.45724.1.1.4.
    static let oidFIDOAAGUID: [UInt8] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04]

    init(der: [UInt8]) throws {
        var outer = DERReader(der[...])
        let certificate = try outer.read(tag: 0x30)
        guard outer.isAtEnd else { throw DERReader.Malformed() }
        var certificateReader = DERReader(certificate.value)
        let tbs = try certificateReader.read(tag: 0x30)
        var reader = DERReader(tbs.value)

        var version = 0
        if reader.nextTag == 0xa0 {
            var explicit = DERReader(try reader.read().value)
            let integer = try explicit.read(tag: 0x02)
            guard integer.value.count == 1, explicit.isAtEnd else { throw DERReader.Malformed() }
            version = Int(integer.value[integer.value.startIndex])
        }
        _ = try reader.read(tag: 0x02)  // serialNumber
        _ = try reader.read(tag: 0x30)  // signature AlgorithmIdentifier
        _ = try reader.read(tag: 0x30)  // issuer
        _ = try reader.read(tag: 0x30)  // validity
        let subjectName = try reader.read(tag: 0x30)
        let spki = try reader.read(tag: 0x30)

        var subject: [(oid: [UInt8], value: String?)] = []
        var rdns = DERReader(subjectName.value)
        while !rdns.isAtEnd {
            var set = DERReader(try rdns.read(tag: 0x31).value)
            while !set.isAtEnd {
                var attribute = DERReader(try set.read(tag: 0x30).value)
                let oid = try attribute.read(tag: 0x06)
                let value = try attribute.read()
                var text: String?
                if [0x0c, 0x13, 0x16].contains(value.tag), let string = String(bytes: value.value, encoding: .utf8) {
                    text = string
                }
                subject.append((Array(oid.value), text))
            }
        }

        var extensions: [Extension] = []
        while !reader.isAtEnd {
            let element = try reader.read()
            guard element.tag == 0xa3 else { continue }  // issuerUniqueID [1], subjectUniqueID [2]
            var wrapper = DERReader(element.value)
            var list = DERReader(try wrapper.read(tag: 0x30).value)
            while !list.isAtEnd {
                var item = DERReader(try list.read(tag: 0x30).value)
                let oid = try item.read(tag: 0x06)
                var critical = false
                if item.nextTag == 0x01 {
                    let flag = try item.read()
                    critical = flag.value.contains { $0 != 0 }
                }
                let value = try item.read(tag: 0x04)
                extensions.append(Extension(oid: Array(oid.value), critical: critical, value: Array(value.value)))
            }
        }

        self.version = version
        self.subject = subject
        self.subjectPublicKeyInfo = Array(spki.encoding)
        self.extensions = extensions
    }

    func subjectValue(_ oid: [UInt8]) -> String? {
        subject.first { $0.oid == oid }?.value
    }

    func `extension`(_ oid: [UInt8]) -> Extension? {
        extensions.first { $0.oid == oid }
    }

    /// The requirements of WebAuthn §8.2.1 for a packed attestation certificate, and the AAGUID extension matching
    /// `aaguid` when present.
    func meetsPackedRequirements(aaguid: [UInt8]) -> Bool {
        guard version == 2 else { return false }
        guard let country = subjectValue(Self.oidCountry), !country.isEmpty,
              let organization = subjectValue(Self.oidOrganization), !organization.isEmpty,
              subjectValue(Self.oidOrganizationalUnit) == "Authenticator Attestation",
              let commonName = subjectValue(Self.oidCommonName), !commonName.isEmpty else { return false }
        if let basic = self.extension(Self.oidBasicConstraints) {
            // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
            var reader = DERReader(basic.value[...])
            guard let sequence = try? reader.read(tag: 0x30), reader.isAtEnd else { return false }
            var fields = DERReader(sequence.value)
            if fields.nextTag == 0x01 {
                guard let flag = try? fields.read(), !flag.value.contains(where: { $0 != 0 }) else { return false }
            }
        } else {
            return false
        }
        if let fido = self.extension(Self.oidFIDOAAGUID) {
            var reader = DERReader(fido.value[...])
            guard !fido.critical, let octets = try? reader.read(tag: 0x04), reader.isAtEnd,
                  constantTimeEquals(Array(octets.value), aaguid) else { return false }
        }
        return true
    }
}
