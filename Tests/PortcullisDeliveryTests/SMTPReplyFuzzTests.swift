import Foundation
import NIOCore
import PortcullisTestKit
import PortcullisTestSupport
import Testing
@testable import PortcullisDelivery

/// The SMTP client's one hand-written parser of what a server sends (`SMTPReplyReader`: line framing, the line length
/// limit, reply assembly by `SMTPReplyParser`), fuzzed: seeded random bytes and mutations of valid server transcripts,
/// fed in random chunks as they would arrive from the network. Each input must end in replies, a wait for more bytes or
/// a `ReadError`, never a trap, and every reply that comes out must be well-formed.
@Suite("SMTP reply fuzzing")
struct SMTPReplyFuzzTests {
    /// What servers answer, as sent: greetings, EHLO lists, AUTH challenges, DATA, failures, bare LFs, non-ASCII text.
    static let transcripts: [String] = [
        "220 mail.example.com ESMTP ready\r\n",
        "250-mail.example.com Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-AUTH LOGIN PLAIN\r\n"
            + "250-AUTH=LOGIN\r\n250 8BITMIME\r\n",
        "220 ready\n250 OK\n354 Start mail input; end with <CRLF>.<CRLF>\n250 2.0.0 queued as 12345\n221 bye\n",
        "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n",
        "421-4.3.2 Service not available\r\n421 closing transmission channel\r\n",
        "535 5.7.8 Authentication credentials invalid\r\n550 5.1.1 <nobody@example.com>: Recipient address rejected\r\n",
        "220\r\n250-\r\n250 \r\n",
        "250-Grüße aus Zürich 🙂\r\n250 日本語\r\n",
        String(repeating: "250-line\r\n", count: SMTPReplyParser.maximumLines - 1) + "250 last\r\n",
        // The longest line accepted: the limit counts the CR but not the LF.
        "220 " + String(repeating: "x", count: SMTPReplyReader.maximumLineLength - 5) + "\r\n",
    ]

    static let interestingBytes: [UInt8] = Array("0123456789 -\r\n".utf8) + [0x00, 0x09, 0x1b, 0x7f, 0x80, 0xc3, 0xe6, 0xed, 0xf0, 0xff]

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        ByteMutator.mutate(input, interesting: interestingBytes, using: &rng) { bytes, rng in
            let position = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:  // a long run without a line break, around the line length limit
                let length = SMTPReplyReader.maximumLineLength + Int.random(in: -8...8, using: &rng)
                bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "a"), count: length), at: position)
            case 1:  // a line break where there was none
                bytes.insert(contentsOf: Bool.random(using: &rng) ? [0x0d, 0x0a] : [0x0a], at: position)
            default:  // the head of a line: a code, continued or not
                let head = "\(Int.random(in: 199...600, using: &rng))\(Bool.random(using: &rng) ? "-" : " ")"
                bytes.insert(contentsOf: Array(head.utf8), at: position)
            }
        }
    }

    static func randomInput(using rng: inout SplitMix64) -> [UInt8] {
        (0..<Int.random(in: 0...200, using: &rng)).map { _ in
            Bool.random(using: &rng) ? interestingBytes.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
        }
    }

    /// Feeds `input` to a new reader in random chunks, as `SMTPClientHandler` does: every complete reply after each
    /// chunk, and nothing more after the first error.
    static func read(_ input: [UInt8], using rng: inout SplitMix64) -> (replies: [SMTPReply], error: SMTPReplyReader.ReadError?, left: ByteBuffer) {
        var reader = SMTPReplyReader()
        var buffer = ByteBuffer()
        var replies: [SMTPReply] = []
        var offset = 0
        while offset < input.count {
            // The rest at once, or a piece: single bytes and short pieces of short inputs, about an eighth of long ones.
            let piece = Int.random(in: 1...max(8, input.count / 8), using: &rng)
            let size = Bool.random(using: &rng) ? input.count - offset : min(input.count - offset, piece)
            buffer.writeBytes(input[offset..<(offset + size)])
            offset += size
            do {
                while let reply = try reader.nextReply(from: &buffer) { replies.append(reply) }
            } catch {
                return (replies, error, buffer)
            }
            buffer.discardReadBytes()
        }
        return (replies, nil, buffer)
    }

    /// Well-formed: a code from 200 to 599, one to `maximumLines` lines, none longer than a line may be; and the
    /// derived views (EHLO extensions, the text for logs) can be computed. Checked without `#expect` per reply, which
    /// would cost more than the reading.
    static func checkWellFormed(_ reply: SMTPReply) {
        _ = reply.extensions
        let wellFormed = (200...599).contains(reply.code)
            && (1...SMTPReplyParser.maximumLines).contains(reply.lines.count)
            && reply.lines.allSatisfy { $0.unicodeScalars.count <= SMTPReplyReader.maximumLineLength }
            && reply.safeText().unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value < 0x7f) || $0 == "…" }
        if !wellFormed { Issue.record("not well-formed: \(reply.code) \(reply.lines.count) lines: \(reply.safeText())") }
    }

    @Test("the transcripts read as their replies, whole or in pieces")
    func transcriptsRead() {
        var rng = SplitMix64(state: 1)
        for transcript in Self.transcripts {
            let (replies, error, left) = Self.read(Array(transcript.utf8), using: &rng)
            #expect(error == nil && left.readableBytes == 0, "\(transcript.prefix(40))")
            // One reply per line that is not continued ("250-").
            let lines = transcript.split(whereSeparator: \.isNewline)
            #expect(replies.count == lines.filter { $0.count < 4 || Array($0)[3] != "-" }.count)
            replies.forEach(Self.checkWellFormed)
        }
    }

    /// A few thousand seeded inputs (well under two seconds); SMTP_FUZZ_SEED and SMTP_FUZZ_ITERATIONS explore further.
    @Test("fuzz: reading replies never crashes and yields only well-formed replies")
    func fuzz() {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["SMTP_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5eed_5e7b_2026
        let iterations = environment["SMTP_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 3_000
        var rng = SplitMix64(state: seed)
        let corpus = Self.transcripts.map { Array($0.utf8) }
        var outcomes: [String: Int] = [:]
        var replyCount = 0
        let started = ContinuousClock.now
        for _ in 0..<iterations {
            let input = Int.random(in: 0..<5, using: &rng) == 0
                ? Self.randomInput(using: &rng)
                : Self.mutate(corpus.randomElement(using: &rng) ?? [], using: &rng)
            let (replies, error, left) = Self.read(input, using: &rng)
            replies.forEach(Self.checkWellFormed)
            replyCount += replies.count
            if let error {
                switch error {
                case .lineTooLong: outcomes["lineTooLong", default: 0] += 1
                case .malformed(let kind): outcomes["\(kind)", default: 0] += 1
                }
            } else {
                // Waiting for more: what is left is at most one partial line.
                if left.readableBytes > SMTPReplyReader.maximumLineLength || left.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) != nil {
                    Issue.record("left more than one partial line: \(left.readableBytes) bytes")
                }
                outcomes[left.readableBytes == 0 ? "complete" : "waiting", default: 0] += 1
            }
        }
        let elapsed = ContinuousClock.now - started
        print("SMTP reply fuzz: seed \(seed), \(iterations) inputs, \(replyCount) replies, \(outcomes.sorted { $0.key < $1.key }), \(elapsed)")
        // The mutations reach every outcome: replies, each kind of error, and partial input.
        if iterations >= 3_000 {
            #expect(replyCount > iterations / 2)
            for outcome in ["complete", "waiting", "lineTooLong", "malformedLine", "inconsistentCode", "tooManyLines"] {
                #expect(outcomes[outcome, default: 0] > 0, "never reached: \(outcome)")
            }
        }
    }
}
