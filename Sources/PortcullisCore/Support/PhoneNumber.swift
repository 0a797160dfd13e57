import Foundation

/// A validated phone number in E.164 form (`+` then at most 15 digits), as used by the SMS factor.
///
/// Validation is deliberately offline and table-driven: a known country calling code and a national significant
/// number (NSN) whose length is plausible for that country (NANP numbers also follow the area/exchange code rules).
/// It catches typos and garbage, not every unassigned range; the provider still has the last word.
public struct PhoneNumber: Sendable, Equatable, Hashable, Codable {
    /// The number in E.164 form, for example `+447700900123`.
    public let e164: String

    private init(e164: String) {
        self.e164 = e164
    }

    /// The country calling code, digits only (`"44"`).
    public var callingCode: String {
        let digits = String(e164.dropFirst())
        return Self.callingCodePrefix(of: digits) ?? ""
    }

    /// The national significant number, digits only (`"7700900123"`).
    public var nationalNumber: String {
        String(e164.dropFirst(1 + callingCode.count))
    }

    /// Parses what a user typed.
    ///
    /// - Parameters:
    ///   - country: an ISO 3166 alpha-2 code from the selector (any case), or empty when the number starts with `+`
    ///     or `00`. A number written in international form wins over the selected country.
    ///   - number: spaces, dashes, dots, slashes and parentheses are ignored; `00` (and `011` for NANP countries) is
    ///     read as `+`; the national trunk prefix (`0`, `1` in NANP, `06` in Hungary, `8` in Russia…) is dropped.
    /// - Returns: nil when the number cannot be a valid phone number.
    public static func parse(country: String, number: String) -> PhoneNumber? {
        guard number.count <= 40, var digits = plainDigits(number) else { return nil }
        let selected = Self.byCode[country.trimmingCharacters(in: .whitespaces).uppercased()]
        var international = digits.plus
        if !international, digits.value.hasPrefix("00") {
            international = true
            digits.value.removeFirst(2)
        } else if !international, selected?.callingCode == "1", digits.value.hasPrefix("011") {
            international = true
            digits.value.removeFirst(3)
        }

        let callingCode: String
        var candidates: [String]
        if international {
            guard let code = callingCodePrefix(of: digits.value) else { return nil }
            callingCode = code
            candidates = [String(digits.value.dropFirst(code.count))]
        } else {
            guard let selected else { return nil }
            callingCode = selected.callingCode
            candidates = [digits.value]
        }
        // Try the number without a trunk prefix first ("0 20 …", "1 212 …", "8 912 …", and "+44 (0)20 …"), then as typed.
        var trunks = rule(for: callingCode, selected: selected)?.trunkPrefixes ?? []
        if international { trunks = trunks.filter { $0 == "0" } }
        candidates = trunks.compactMap { candidates[0].hasPrefix($0) ? String(candidates[0].dropFirst($0.count)) : nil }
            + candidates
        // Mexico dropped the mobile "1" after +52 in 2019; old contacts still carry it.
        if callingCode == "52", candidates[0].count == 11, candidates[0].hasPrefix("1") {
            candidates.insert(String(candidates[0].dropFirst()), at: 0)
        }
        guard let national = candidates.first(where: { isValid(national: $0, callingCode: callingCode, selected: selected) })
        else { return nil }
        return PhoneNumber(e164: "+" + callingCode + national)
    }

    /// The number for pages, showing only the last 2 digits: `+1 ••• ••• ••12`.
    public var masked: String {
        let national = Array(nationalNumber)
        let sizes = callingCode == "1" && national.count == 10 ? [3, 3, 4] : Self.groupSizes(national.count)
        var groups: [String] = []
        var index = 0
        for size in sizes {
            let group = (index..<index + size).map { $0 >= national.count - 2 ? national[$0] : "•" }
            groups.append(String(group))
            index += size
        }
        return "+\(callingCode) " + groups.joined(separator: " ")
    }

    // MARK: Codable

    /// Encoded as the bare E.164 string.
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(String.self)
        // Lenient on purpose: a stored number stays readable even if the length tables are tightened later.
        let digits = value.dropFirst()
        guard value.hasPrefix("+"), digits.count <= 15, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let code = Self.callingCodePrefix(of: String(digits)), digits.count > code.count
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an E.164 number"))
        }
        self.e164 = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }

    // MARK: Country table

    /// Countries for the enrollment page's selector, sorted by name. `callingCode` is digits only (`"44"`).
    public static let countries: [(code: String, name: String, callingCode: String)] = table
        .map { (code: $0.code, name: $0.name, callingCode: $0.callingCode) }
        .sorted { $0.name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            < $1.name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }

    /// One country's numbering rules.
    struct Rule: Sendable {
        var code: String
        var callingCode: String
        /// National prefixes dropped before the NSN, longest first.
        var trunkPrefixes: [String]
        var lengths: ClosedRange<Int>
        var name: String
    }

    /// Lengths used for countries without a specific entry.
    static let genericLengths = 4...14

    static let table: [Rule] = countryTable.split(separator: "\n").map { line in
        let fields = line.split(separator: " ", maxSplits: 4).map(String.init)
        let lengths: ClosedRange<Int>
        if fields[3] == "-" {
            lengths = genericLengths
        } else {
            let bounds = fields[3].split(separator: "-").compactMap { Int($0) }
            lengths = bounds[0]...(bounds.last ?? bounds[0])
        }
        let trunks = fields[2] == "-" ? [] : fields[2].split(separator: "/").map(String.init).sorted { $0.count > $1.count }
        return Rule(code: fields[0], callingCode: fields[1], trunkPrefixes: trunks, lengths: lengths, name: fields[4])
    }

    static let byCode: [String: Rule] = Dictionary(table.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })

    /// Every rule per calling code (several countries share +1, +7, +44, +39…).
    static let byCallingCode: [String: [Rule]] = Dictionary(grouping: table, by: \.callingCode)

    /// The known calling code the digits start with (calling codes are prefix-free).
    static func callingCodePrefix(of digits: String) -> String? {
        for length in 1...3 where digits.count > length {
            let prefix = String(digits.prefix(length))
            if byCallingCode[prefix] != nil { return prefix }
        }
        return nil
    }

    /// The selected country's rule when it shares the calling code, else the first country's.
    private static func rule(for callingCode: String, selected: Rule?) -> Rule? {
        if let selected, selected.callingCode == callingCode { return selected }
        return byCallingCode[callingCode]?.first
    }

    private static func isValid(national: String, callingCode: String, selected: Rule?) -> Bool {
        guard !national.isEmpty, callingCode.count + national.count <= 15 else { return false }
        if callingCode == "1" { return isValidNANP(national) }
        let rules: [Rule]
        if let selected, selected.callingCode == callingCode {
            rules = [selected]
        } else {
            rules = byCallingCode[callingCode] ?? []
        }
        return rules.contains { rule in
            // Countries with a trunk 0 never start a national number with 0.
            rule.lengths.contains(national.count) && !(rule.trunkPrefixes.contains("0") && national.hasPrefix("0"))
        }
    }

    /// NANP: `NXX NXX XXXX` with N in 2…9, and the area code is not an N11 service code.
    private static func isValidNANP(_ national: String) -> Bool {
        let d = Array(national.utf8)
        guard d.count == 10 else { return false }
        let two = UInt8(ascii: "2"), one = UInt8(ascii: "1")
        return d[0] >= two && d[3] >= two && !(d[1] == one && d[2] == one)
    }

    /// Strips separators; nil on anything else (letters, a `+` after digits, no digits).
    private static func plainDigits(_ input: String) -> (plus: Bool, value: String)? {
        var plus = false
        var value = ""
        for character in input {
            if character.isASCII, character.isNumber {
                value.append(character)
            } else if character == "+", !plus, value.isEmpty {
                plus = true
            } else if !" \t\u{00A0}\u{2009}\u{202F}-\u{2010}\u{2011}\u{2012}\u{2013}./()".contains(character) {
                return nil
            }
        }
        return value.isEmpty ? nil : (plus, value)
    }

    /// Groups of 3, the last one taking a leftover digit (10 → 3 3 4, 11 → 3 3 3 2).
    private static func groupSizes(_ count: Int) -> [Int] {
        guard count > 4 else { return [count] }
        var sizes = Array(repeating: 3, count: count / 3)
        switch count % 3 {
        case 1: sizes[sizes.count - 1] = 4
        case 2: sizes.append(2)
        default: break
        }
        return sizes
    }
}
