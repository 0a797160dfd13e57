import Foundation

/// What is refused before the XML parser sees a byte: size, encoding, and any DTD (XXE, entity expansion).
extension PSKC {
    /// Why the bytes are refused before the XML parser sees them, or nil.
    static func precheck(_ data: Data) -> String? {
        if data.count > TokenImport.maximumFileSize { return "the file is larger than 10 MB" }
        if data.isEmpty { return "the file is empty" }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.contains(0) {
            return "the file must be UTF-8"
        }
        // The XML parser must never see a DTD: no entity expansion, no external entities (XXE), no billion laughs.
        if contains(bytes, caseInsensitive: "<!DOCTYPE") || contains(bytes, caseInsensitive: "<!ENTITY") {
            return "DOCTYPE and ENTITY declarations are not allowed in a PSKC file"
        }
        // A declared encoding other than UTF-8 could hide a DOCTYPE from the check above (UTF-7, EBCDIC, ...).
        if let encoding = declaredEncoding(bytes), !["utf-8", "utf8", "us-ascii", "ascii"].contains(encoding.lowercased()) {
            return "the file must be UTF-8, not \(encoding.prefix(40))"
        }
        return nil
    }

    static func contains(_ bytes: [UInt8], caseInsensitive needle: String) -> Bool {
        let pattern = Array(needle.lowercased().utf8)
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count) where bytes[start] == pattern[0] {
            var matched = true
            for offset in 1..<pattern.count {
                var byte = bytes[start + offset]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
                if byte != pattern[offset] {
                    matched = false
                    break
                }
            }
            if matched { return true }
        }
        return false
    }

    /// The `encoding` of the XML declaration, if there is one.
    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let head = String(decoding: bytes[start..<min(bytes.count, start + 512)], as: UTF8.self)
        guard head.hasPrefix("<?xml"), let end = head.range(of: "?>") else { return nil }
        let declaration = head[head.startIndex..<end.lowerBound]
        guard let name = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[name.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return "?" }
        return String(rest.dropFirst().prefix { $0 != quote })
    }
}
