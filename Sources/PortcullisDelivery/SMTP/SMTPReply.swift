import NIOCore

/// One SMTP reply: a three-digit code and its text lines (several for `250-…` / `250 …` multi-line replies).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    /// The text after the code on each line, in order.
    var lines: [String]

    var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// EHLO keywords (upper-cased) and their parameters, from every line after the first.
    /// Also understands the old `AUTH=LOGIN PLAIN` form.
    var extensions: [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines.dropFirst() {
            var words = line.split(separator: " ").map { $0.uppercased() }
            guard !words.isEmpty else { continue }
            var keyword = words.removeFirst()
            if let eq = keyword.firstIndex(of: "=") {
                let first = String(keyword[keyword.index(after: eq)...])
                keyword = String(keyword[..<eq])
                if !first.isEmpty { words.insert(first, at: 0) }
            }
            result[keyword, default: []] += words
        }
        return result
    }

    /// The reply's text for a log line: printable ASCII only, at most `limit` characters.
    func safeText(limit: Int = 200) -> String {
        let joined = lines.joined(separator: " / ")
        let printable = String(String.UnicodeScalarView(joined.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }))
        return printable.count > limit ? String(printable.prefix(limit)) + "…" : printable
    }
}

/// Assembles reply lines (without their CRLF) into replies, following RFC 5321 §4.2.1.
struct SMTPReplyParser: Sendable {
    enum ParseError: Error, Equatable {
        case malformedLine
        case inconsistentCode
        case tooManyLines
    }

    static let maximumLines = 200
    private var code: Int?
    private var lines: [String] = []

    /// True while a multi-line reply has started but not finished.
    var isInsideReply: Bool { code != nil }

    /// Feeds one line; returns the reply when this line completes it.
    mutating func feed(_ line: String) throws(ParseError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              bytes[0] >= UInt8(ascii: "2"), bytes[0] <= UInt8(ascii: "5")
        else { throw .malformedLine }
        let lineCode = bytes[0..<3].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        if let code, code != lineCode { throw .inconsistentCode }
        let separator: UInt8? = bytes.count > 3 ? bytes[3] : nil
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw .malformedLine
        }
        let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
        lines.append(text)
        guard lines.count <= Self.maximumLines else { throw .tooManyLines }
        if separator == UInt8(ascii: "-") {
            code = lineCode
            return nil
        }
        let reply = SMTPReply(code: lineCode, lines: lines)
        code = nil
        lines = []
        return reply
    }
}

/// The reply side of an SMTP conversation as a function of the bytes received, apart from the channel: splits them into
/// lines (CRLF, or a bare LF), refuses an overlong line, and assembles lines into replies (`SMTPReplyParser`). Never
/// traps: every input ends in replies, a wait for more bytes, or a `ReadError`, after which the connection is given up.
struct SMTPReplyReader: Sendable {
    enum ReadError: Error, Equatable {
        /// A reply line longer than `maximumLineLength` (without a line break).
        case lineTooLong
        case malformed(SMTPReplyParser.ParseError)
    }

    /// A reply line longer than this (without a line break) is a protocol violation.
    static let maximumLineLength = 4096
    private var parser = SMTPReplyParser()

    /// True while a multi-line reply has started but not finished.
    var isInsideReply: Bool { parser.isInsideReply }

    /// The next complete reply in `buffer`, its lines consumed; nil when `buffer` ends before one is complete (the lines
    /// read so far are kept, and a partial line stays in `buffer` for the next call).
    mutating func nextReply(from buffer: inout ByteBuffer) throws(ReadError) -> SMTPReply? {
        while true {
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.readableBytes > Self.maximumLineLength { throw .lineTooLong }
                return nil
            }
            var length = newline - buffer.readerIndex
            if length > Self.maximumLineLength { throw .lineTooLong }
            let hasCR = length > 0 && buffer.getInteger(at: newline - 1, as: UInt8.self) == UInt8(ascii: "\r")
            if hasCR { length -= 1 }
            let line = buffer.readString(length: length) ?? ""
            buffer.moveReaderIndex(forwardBy: hasCR ? 2 : 1)
            do throws(SMTPReplyParser.ParseError) {
                if let reply = try parser.feed(line) { return reply }
            } catch {
                throw .malformed(error)
            }
        }
    }
}
