import Foundation

/// An email address as given to the SMTP provider: `user@example.com` or `Display Name <user@example.com>`.
///
/// Only ASCII addresses are accepted (no SMTPUTF8); a display name may be any text and is encoded for the header.
/// Line breaks and control characters are refused, so an address can never inject a header or an SMTP command.
struct MailAddress: Sendable, Equatable {
    enum ParseError: Error, Equatable {
        case lineBreak
        case invalid
    }

    var displayName: String?
    /// The addr-spec used in `MAIL FROM:<…>` / `RCPT TO:<…>`.
    var address: String

    init(displayName: String? = nil, address: String) {
        self.displayName = displayName
        self.address = address
    }

    init(parsing value: String) throws(ParseError) {
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) { throw .lineBreak }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { throw .invalid }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        var name: String?
        var spec = trimmed
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            spec = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var raw = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") {
                raw = String(raw.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            if !raw.isEmpty { name = raw }
        }
        guard Self.isValidAddrSpec(spec), (name?.count ?? 0) <= 200 else { throw .invalid }
        self.displayName = name
        self.address = spec
    }

    /// `local@domain`, printable ASCII without spaces or specials, at most 254 characters.
    static func isValidAddrSpec(_ spec: String) -> Bool {
        guard spec.utf8.count <= 254, let at = spec.lastIndex(of: "@") else { return false }
        let local = spec[..<at]
        let domain = spec[spec.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        let forbidden = Set("<>()[],;:\\\" ")
        let localOK = local.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
            && !local.contains(where: { forbidden.contains($0) })
        let domainAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        let domainOK = domain.allSatisfy { domainAllowed.contains($0) } && !domain.hasPrefix(".")
            && !domain.hasSuffix(".") && !domain.contains("..")
        return localOK && domainOK
    }

    /// The domain part, used for the Message-ID.
    var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    /// The header form: the bare address, or the display name (quoted, or RFC 2047 encoded if not ASCII) and
    /// `<address>`. Encoded words longer than one line are folded.
    var headerValue: String {
        guard let displayName, !displayName.isEmpty else { return address }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        let phrase: String
        if displayName.allSatisfy({ atext.contains($0) }) && !displayName.hasPrefix(" ") {
            phrase = displayName
        } else if displayName.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            phrase = "\"" + displayName.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\""
        } else {
            phrase = MIMEMessage.encodedWords(displayName).joined(separator: "\r\n ")
        }
        return "\(phrase) <\(address)>"
    }
}
