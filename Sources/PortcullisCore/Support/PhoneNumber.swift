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

    /// `ISO calling-code trunk(s) lengths name`; `-` for none. Trunks are separated by `/`.
    private static let source = """
    AF 93 0 9 Afghanistan
    AX 358 0 5-12 Åland Islands
    AL 355 0 8-9 Albania
    DZ 213 0 8-9 Algeria
    AS 1 1 10 American Samoa
    AD 376 - 6-9 Andorra
    AO 244 - 9 Angola
    AI 1 1 10 Anguilla
    AG 1 1 10 Antigua and Barbuda
    AR 54 0 10-11 Argentina
    AM 374 0 8 Armenia
    AW 297 - 7 Aruba
    AC 247 - - Ascension Island
    AU 61 0 9 Australia
    AT 43 0 4-13 Austria
    AZ 994 0 9 Azerbaijan
    BS 1 1 10 Bahamas
    BH 973 - 8 Bahrain
    BD 880 0 10 Bangladesh
    BB 1 1 10 Barbados
    BY 375 80 9 Belarus
    BE 32 0 8-9 Belgium
    BZ 501 - 7 Belize
    BJ 229 - - Benin
    BM 1 1 10 Bermuda
    BT 975 - - Bhutan
    BO 591 0 8 Bolivia
    BQ 599 - 7 Bonaire, Sint Eustatius and Saba
    BA 387 0 8-9 Bosnia and Herzegovina
    BW 267 - 7-8 Botswana
    BR 55 0 10-11 Brazil
    IO 246 - - British Indian Ocean Territory
    VG 1 1 10 British Virgin Islands
    BN 673 - 7 Brunei
    BG 359 0 7-9 Bulgaria
    BF 226 - 8 Burkina Faso
    BI 257 - 8 Burundi
    KH 855 0 8-9 Cambodia
    CM 237 - 9 Cameroon
    CA 1 1 10 Canada
    CV 238 - 7 Cape Verde
    KY 1 1 10 Cayman Islands
    CF 236 - - Central African Republic
    TD 235 - - Chad
    CL 56 - 9 Chile
    CN 86 0 9-11 China
    CX 61 0 9 Christmas Island
    CC 61 0 9 Cocos (Keeling) Islands
    CO 57 - 10 Colombia
    KM 269 - - Comoros
    CG 242 - - Congo
    CD 243 0 - Congo (DRC)
    CK 682 - - Cook Islands
    CR 506 - 8 Costa Rica
    CI 225 - - Côte d’Ivoire
    HR 385 0 8-9 Croatia
    CU 53 0 - Cuba
    CW 599 - 7 Curaçao
    CY 357 - 8 Cyprus
    CZ 420 - 9 Czechia
    DK 45 - 8 Denmark
    DJ 253 - - Djibouti
    DM 1 1 10 Dominica
    DO 1 1 10 Dominican Republic
    EC 593 0 8-9 Ecuador
    EG 20 0 9-10 Egypt
    SV 503 - 8 El Salvador
    GQ 240 - - Equatorial Guinea
    ER 291 0 - Eritrea
    EE 372 - 7-8 Estonia
    SZ 268 - - Eswatini
    ET 251 0 9 Ethiopia
    FK 500 - - Falkland Islands
    FO 298 - 6 Faroe Islands
    FJ 679 - 7 Fiji
    FI 358 0 5-12 Finland
    FR 33 0 9 France
    GF 594 0 9 French Guiana
    PF 689 - - French Polynesia
    GA 241 - - Gabon
    GM 220 - - Gambia
    GE 995 0 9 Georgia
    DE 49 0 6-13 Germany
    GH 233 0 9 Ghana
    GI 350 - 8 Gibraltar
    GR 30 - 10 Greece
    GL 299 - 6 Greenland
    GD 1 1 10 Grenada
    GP 590 0 9 Guadeloupe
    GU 1 1 10 Guam
    GT 502 - 8 Guatemala
    GG 44 0 9-10 Guernsey
    GN 224 - - Guinea
    GW 245 - - Guinea-Bissau
    GY 592 - - Guyana
    HT 509 - 8 Haiti
    HN 504 - 8 Honduras
    HK 852 - 8 Hong Kong
    HU 36 06 8-9 Hungary
    IS 354 - 7-9 Iceland
    IN 91 0 10 India
    ID 62 0 8-12 Indonesia
    IR 98 0 10 Iran
    IQ 964 0 - Iraq
    IE 353 0 7-9 Ireland
    IM 44 0 9-10 Isle of Man
    IL 972 0 8-9 Israel
    IT 39 - 6-11 Italy
    JM 1 1 10 Jamaica
    JP 81 0 9-10 Japan
    JE 44 0 9-10 Jersey
    JO 962 0 8-9 Jordan
    KZ 7 8 10 Kazakhstan
    KE 254 0 9 Kenya
    KI 686 - - Kiribati
    XK 383 0 - Kosovo
    KW 965 - 8 Kuwait
    KG 996 0 9 Kyrgyzstan
    LA 856 0 - Laos
    LV 371 - 8 Latvia
    LB 961 0 7-8 Lebanon
    LS 266 - - Lesotho
    LR 231 0 - Liberia
    LY 218 0 - Libya
    LI 423 - 7 Liechtenstein
    LT 370 8/0 8 Lithuania
    LU 352 - 4-11 Luxembourg
    MO 853 - 8 Macao
    MG 261 0 9 Madagascar
    MW 265 0 - Malawi
    MY 60 0 9-10 Malaysia
    MV 960 - 7 Maldives
    ML 223 - 8 Mali
    MT 356 - 8 Malta
    MH 692 - - Marshall Islands
    MQ 596 0 9 Martinique
    MR 222 - - Mauritania
    MU 230 - 7-8 Mauritius
    YT 262 0 9 Mayotte
    MX 52 - 10 Mexico
    FM 691 - - Micronesia
    MD 373 0 8 Moldova
    MC 377 - 8-9 Monaco
    MN 976 - 8 Mongolia
    ME 382 0 - Montenegro
    MS 1 1 10 Montserrat
    MA 212 0 9 Morocco
    MZ 258 - - Mozambique
    MM 95 0 - Myanmar
    NA 264 0 - Namibia
    NR 674 - - Nauru
    NP 977 0 - Nepal
    NL 31 0 9 Netherlands
    NC 687 - - New Caledonia
    NZ 64 0 8-10 New Zealand
    NI 505 - 8 Nicaragua
    NE 227 - - Niger
    NG 234 0 8-10 Nigeria
    NU 683 - - Niue
    NF 672 - - Norfolk Island
    KP 850 - - North Korea
    MK 389 0 - North Macedonia
    MP 1 1 10 Northern Mariana Islands
    NO 47 - 8 Norway
    OM 968 - 8 Oman
    PK 92 0 10 Pakistan
    PW 680 - - Palau
    PS 970 0 - Palestine
    PA 507 - 7-8 Panama
    PG 675 - - Papua New Guinea
    PY 595 0 - Paraguay
    PE 51 0 8-9 Peru
    PH 63 0 10 Philippines
    PL 48 - 9 Poland
    PT 351 - 9 Portugal
    PR 1 1 10 Puerto Rico
    QA 974 - 8 Qatar
    RE 262 0 9 Réunion
    RO 40 0 9 Romania
    RU 7 8 10 Russia
    RW 250 0 9 Rwanda
    BL 590 0 9 Saint Barthélemy
    SH 290 - - Saint Helena
    KN 1 1 10 Saint Kitts and Nevis
    LC 1 1 10 Saint Lucia
    MF 590 0 9 Saint Martin
    PM 508 - - Saint Pierre and Miquelon
    VC 1 1 10 Saint Vincent and the Grenadines
    WS 685 - - Samoa
    SM 378 - - San Marino
    ST 239 - - São Tomé and Príncipe
    SA 966 0 9 Saudi Arabia
    SN 221 - 9 Senegal
    RS 381 0 - Serbia
    SC 248 - - Seychelles
    SL 232 0 - Sierra Leone
    SG 65 - 8 Singapore
    SX 1 1 10 Sint Maarten
    SK 421 0 9 Slovakia
    SI 386 0 8 Slovenia
    SB 677 - - Solomon Islands
    SO 252 0 - Somalia
    ZA 27 0 9 South Africa
    KR 82 0 8-10 South Korea
    SS 211 0 - South Sudan
    ES 34 - 9 Spain
    LK 94 0 9 Sri Lanka
    SD 249 0 - Sudan
    SR 597 - - Suriname
    SE 46 0 7-10 Sweden
    CH 41 0 9 Switzerland
    SY 963 0 - Syria
    TW 886 0 8-9 Taiwan
    TJ 992 - 9 Tajikistan
    TZ 255 0 9 Tanzania
    TH 66 0 8-9 Thailand
    TL 670 - - Timor-Leste
    TG 228 - 8 Togo
    TK 690 - - Tokelau
    TO 676 - - Tonga
    TT 1 1 10 Trinidad and Tobago
    TN 216 - 8 Tunisia
    TR 90 0 10 Türkiye
    TM 993 8 - Turkmenistan
    TC 1 1 10 Turks and Caicos Islands
    TV 688 - - Tuvalu
    VI 1 1 10 U.S. Virgin Islands
    UG 256 0 9 Uganda
    UA 380 0 9 Ukraine
    AE 971 0 8-9 United Arab Emirates
    GB 44 0 9-10 United Kingdom
    US 1 1 10 United States
    UY 598 0 8 Uruguay
    UZ 998 - 9 Uzbekistan
    VU 678 - - Vanuatu
    VA 39 - 6-11 Vatican City
    VE 58 0 10 Venezuela
    VN 84 0 9-10 Vietnam
    WF 681 - - Wallis and Futuna
    EH 212 0 9 Western Sahara
    YE 967 0 - Yemen
    ZM 260 0 9 Zambia
    ZW 263 0 9 Zimbabwe
    """

    static let table: [Rule] = source.split(separator: "\n").map { line in
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
