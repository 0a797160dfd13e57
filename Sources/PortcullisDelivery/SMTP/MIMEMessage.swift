import Foundation

/// The RFC 5322 / MIME text of an `EmailMessage`, ready for SMTP `DATA`.
///
/// Every line ends with CRLF and stays far below 998 characters: the text and HTML parts are UTF-8, with line endings
/// normalized to CRLF, then base64 in 76-character lines; a non-ASCII or long subject becomes RFC 2047 encoded words.
/// With `html` the body is `multipart/alternative` (text/plain first, then text/html), otherwise a single text/plain.
struct MIMEMessage: Sendable {
    var from: MailAddress
    var to: MailAddress
    var subject: String
    var text: String
    var html: String?
    var date: Date
    var messageID: String
    var boundary: String

    /// Validates the addresses and subject (no line breaks: no header injection) before anything is sent.
    /// - Parameter defaultFrom: the sender when `message.from` is empty.
    init(
        _ message: EmailMessage,
        defaultFrom: String,
        date: Date = Date(),
        messageID: String? = nil,
        boundary: String? = nil
    ) throws(DeliveryError) {
        let fromValue = message.from.trimmingCharacters(in: .whitespaces).isEmpty ? defaultFrom : message.from
        do {
            from = try MailAddress(parsing: fromValue)
        } catch MailAddress.ParseError.lineBreak {
            throw DeliveryError(.misconfigured, detail: "the sender address contains a line break")
        } catch {
            throw DeliveryError(.misconfigured, detail: "the sender address is not a valid ASCII email address")
        }
        do {
            to = try MailAddress(parsing: message.to)
        } catch MailAddress.ParseError.lineBreak {
            throw DeliveryError(.invalidDestination, detail: "the recipient address contains a line break")
        } catch {
            throw DeliveryError(.invalidDestination, detail: "the recipient address is not a valid ASCII email address")
        }
        if message.subject.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw DeliveryError(.misconfigured, detail: "the subject contains a line break")
        }
        subject = message.subject
        text = message.text
        html = message.html
        self.date = date
        self.messageID = messageID ?? "<\(UUID().uuidString.lowercased())@\(from.domain)>"
        self.boundary = boundary ?? "=_portcullis_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// The whole message: headers, blank line, body; CRLF line endings, ending with CRLF. Not yet dot-stuffed.
    func render() -> String {
        var lines = [
            "From: \(from.headerValue)",
            "To: \(to.headerValue)",
            "Subject: \(Self.headerText(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
        ]
        if let html {
            lines += [
                "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
                "",
                "This is a multi-part message in MIME format.",
                "--\(boundary)",
            ]
            lines += Self.part(text, contentType: "text/plain")
            lines += ["--\(boundary)"]
            lines += Self.part(html, contentType: "text/html")
            lines += ["--\(boundary)--"]
        } else {
            lines += Self.part(text, contentType: "text/plain")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The bytes to send after `DATA`'s 354: `render()` with dot-stuffing, then the terminating `.` line.
    func smtpData() -> [UInt8] { Self.smtpData(render()) }

    // MARK: - Building blocks (internal for tests)

    private static func part(_ content: String, contentType: String) -> [String] {
        [
            "Content-Type: \(contentType); charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ] + base64Lines(normalizeLineEndings(content))
    }

    /// Turns bare LF, bare CR and CRLF into CRLF.
    static func normalizeLineEndings(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        var previousCR = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\r"):
                out += [13, 10]
                previousCR = true
            case UInt8(ascii: "\n"):
                if !previousCR { out += [13, 10] }
                previousCR = false
            default:
                out.append(byte)
                previousCR = false
            }
        }
        return out
    }

    /// Base64 in lines of 76 characters (RFC 2045). Empty content gives no lines.
    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// A header value: as is when it is short printable ASCII, else RFC 2047 encoded words folded over lines.
    static func headerText(_ value: String) -> String {
        let printable = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if printable, value.utf8.count <= 900, !value.contains("=?") { return value }
        return encodedWords(value).joined(separator: "\r\n ")
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, each holding whole Unicode scalars.
    static func encodedWords(_ value: String) -> [String] {
        let maxBytes = 39  // 52 base64 characters + 12 of framing = 64: "Subject: " + a word fits in 78
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
            chunk.removeAll(keepingCapacity: true)
        }
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > maxBytes { flush() }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { flush() }
        return words
    }

    /// `Tue, 05 Mar 2024 14:03:01 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let n = n ?? 0; return n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// Dot-stuffing (RFC 5321 §4.5.2): a line starting with "." gets another; then CRLF if missing, and ".CRLF".
    static func smtpData(_ rendered: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rendered.utf8.count + 64)
        var atLineStart = true
        for byte in normalizeLineEndings(rendered) {
            if atLineStart, byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == 10
        }
        if !atLineStart { out += [13, 10] }
        out += [UInt8(ascii: "."), 13, 10]
        return out
    }
}
