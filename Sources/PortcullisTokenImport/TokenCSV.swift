import PortcullisCrypto
/// # Token seed CSV format
///
/// A UTF-8 text file (at most 10 MB), one token per line, fields separated by commas:
///
/// ```
/// serial,seed,digits,algorithm,counter
/// # a comment
/// TK-0001,3132333435363738393031323334353637383930,6,SHA1,0
/// TK-0002,"3132333435363738393031323334353637383930313233343536373839303132",8,sha256,
/// TK-0003,31323334353637383930313233343536
/// ```
///
/// - The first line may be a header, recognised by its first field being `serial` (any case). Its fields must be
///   the column names above, in that order (trailing ones may be left out).
/// - Blank lines and lines starting with `#` are ignored.
/// - Any field may be quoted (`"..."`, with `""` for a quote inside); spaces around fields are ignored.
/// - `serial`: 1 to 64 characters, each an ASCII letter, a digit, `-`, `_` or `.`; unique within the file
///   (ignoring case).
/// - `seed`: the secret in hexadecimal (either case), an even number of digits, no spaces; at least 16 bytes
///   (128 bits, 32 hex digits) and at most 64 bytes.
/// - `digits`: `6` or `8`; 6 when empty or missing.
/// - `algorithm`: `SHA1`, `SHA256` or `SHA512` (any case); SHA1 when empty or missing.
/// - `counter`: the HOTP moving factor to start from, a whole number ≥ 0; 0 when empty or missing.
///
/// A line therefore has 2 to 5 fields. Import is all-or-nothing: every bad line (and every repeated serial) is
/// reported with its line number, and if there is any, no token is imported. Messages never contain a seed.
enum TokenCSV {
    static let columns = ["serial", "seed", "digits", "algorithm", "counter"]

    static func parse(_ text: String) -> Result<[ImportedToken], TokenImportFailure> {
        guard text.utf8.count <= TokenImport.maximumFileSize else {
            return TokenImport.failure("file", "the file is larger than 10 MB")
        }
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }

        var problems = TokenImport.ProblemList()
        var tokens: [ImportedToken] = []
        var firstLineOfSerial: [String: Int] = [:]
        var sawDataLine = false

        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for (index, line) in lines.enumerated() {
            if problems.isFull { break }
            let number = index + 1
            let location = "line \(number)"
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }

            let fields: [String]
            switch splitFields(trimmed) {
            case .success(let parsed): fields = parsed
            case .failure(let message):
                problems.add(location, message.text)
                sawDataLine = true
                continue
            }

            if !sawDataLine {
                sawDataLine = true
                if fields[0].lowercased() == "serial" {
                    let names = fields.map { $0.lowercased() }
                    if names.count > columns.count || names != Array(columns.prefix(names.count)) {
                        problems.add(location, "the header must be serial,seed,digits,algorithm,counter (trailing columns may be left out)")
                    }
                    continue
                }
            }

            guard (2...5).contains(fields.count) else {
                problems.add(location, "expected 2 to 5 fields (serial,seed,digits,algorithm,counter), found \(fields.count)")
                continue
            }

            var lineIsGood = true
            func report(_ message: String) {
                problems.add(location, message)
                lineIsGood = false
            }

            let serial = fields[0]
            if let message = TokenImport.serialProblem(serial) { report(message) }

            var seed: [UInt8] = []
            switch decodeHex(fields[1]) {
            case .success(let bytes):
                seed = bytes
                if let message = TokenImport.seedLengthProblem(bytes.count) { report(message) }
            case .failure(let message):
                report(message.text)
            }

            var digits = 6
            if fields.count > 2, !fields[2].isEmpty {
                switch fields[2] {
                case "6": digits = 6
                case "8": digits = 8
                default: report("digits must be 6 or 8")
                }
            }

            var algorithm = OTPAlgorithm.sha1
            if fields.count > 3, !fields[3].isEmpty {
                if let named = OTPAlgorithm(rawValue: fields[3].uppercased()) {
                    algorithm = named
                } else {
                    report("unknown algorithm (expected SHA1, SHA256 or SHA512)")
                }
            }

            var counter: UInt64 = 0
            if fields.count > 4, !fields[4].isEmpty {
                let text = fields[4]
                if text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = UInt64(text) {
                    counter = value
                } else {
                    report("the counter must be a whole number from 0 to \(UInt64.max)")
                }
            }

            if TokenImport.serialProblem(serial) == nil {
                let key = serial.lowercased()
                if let first = firstLineOfSerial[key] {
                    report("duplicate serial \(serial) (first on line \(first))")
                } else {
                    firstLineOfSerial[key] = number
                }
            }

            if lineIsGood {
                tokens.append(ImportedToken(serial: serial, seed: seed, algorithm: algorithm, digits: digits, counter: counter))
            }
        }

        if !problems.isEmpty { return .failure(problems.failure) }
        if tokens.isEmpty { return TokenImport.failure("file", "the file contains no tokens") }
        return .success(tokens)
    }

    struct Message: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    /// Splits one line into fields, honouring `"..."` quoting (`""` is a quote inside a quoted field).
    /// Fields are trimmed of spaces and tabs.
    static func splitFields(_ line: String) -> Result<[String], Message> {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var wasQuoted = false
        var afterClosingQuote = false
        let characters = Array(line)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if inQuotes {
                if character == "\"" {
                    if index < characters.count, characters[index] == "\"" {
                        current.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                    }
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case ",":
                fields.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                wasQuoted = false
                afterClosingQuote = false
            case "\"":
                guard !wasQuoted, current.allSatisfy({ $0 == " " || $0 == "\t" }) else {
                    return .failure(Message("a quote (\") in the middle of a field; quote the whole field and double quotes inside it"))
                }
                inQuotes = true
                wasQuoted = true
                current = ""
            case " ", "\t":
                if !afterClosingQuote { current.append(character) }
            default:
                guard !afterClosingQuote else {
                    return .failure(Message("text after the closing quote of a field"))
                }
                current.append(character)
            }
        }
        if inQuotes { return .failure(Message("a quoted field is not closed on this line")) }
        fields.append(current.trimmingCharacters(in: .whitespaces))
        return .success(fields)
    }

    /// Decodes a hex seed. Messages say what is wrong without repeating any of it.
    static func decodeHex(_ text: String) -> Result<[UInt8], Message> {
        if text.isEmpty { return .failure(Message("the seed is missing")) }
        if text.unicodeScalars.contains(where: { $0.properties.isWhitespace }) {
            return .failure(Message("the seed must be hexadecimal without spaces"))
        }
        // Hex.decode says only yes or no; the reasons are told apart here for the import report.
        if let bytes = Hex.decode(text) { return .success(bytes) }
        if text.utf8.contains(where: { !Hex.isDigit($0) }) {
            return .failure(Message("the seed is not hexadecimal (only 0-9 and a-f are allowed)"))
        }
        return .failure(Message("the seed has an odd number of hex digits"))
    }
}
