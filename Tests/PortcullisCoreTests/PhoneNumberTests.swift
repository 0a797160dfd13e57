import Foundation
import Testing
@testable import PortcullisCore

@Suite("Phone numbers")
struct PhoneNumberTests {
    @Test("Typed forms normalize to E.164", arguments: [
        ("US", "(212) 555-0123", "+12125550123"),
        ("US", "212.555.0123", "+12125550123"),
        ("us", "1 212 555 0123", "+12125550123"),
        ("US", "011 44 7700 900123", "+447700900123"),
        ("CA", "416-555-0199", "+14165550199"),
        ("", "+1 (212) 555-0123", "+12125550123"),
        ("GB", "07700 900123", "+447700900123"),
        ("GB", "020 7946 0958", "+442079460958"),
        ("", "+44 (0)20 7946 0958", "+442079460958"),
        ("", "0044 7700 900123", "+447700900123"),
        ("DE", "+44 7700 900123", "+447700900123"),
        ("DE", "0151 2345 6789", "+4915123456789"),
        ("DE", "030/1234567", "+49301234567"),
        ("FR", "06 12 34 56 78", "+33612345678"),
        ("FR", "06.12.34.56.78", "+33612345678"),
        ("NL", "06-12345678", "+31612345678"),
        ("BE", "0470 12 34 56", "+32470123456"),
        ("CH", "079 123 45 67", "+41791234567"),
        ("AT", "0664 1234567", "+436641234567"),
        ("IT", "347 123 4567", "+393471234567"),
        ("IT", "06 1234 5678", "+390612345678"),
        ("ES", "612 34 56 78", "+34612345678"),
        ("PT", "912 345 678", "+351912345678"),
        ("IE", "085 123 4567", "+353851234567"),
        ("SE", "070-123 45 67", "+46701234567"),
        ("NO", "412 34 567", "+4741234567"),
        ("DK", "20 12 34 56", "+4520123456"),
        ("FI", "040 123 4567", "+358401234567"),
        ("PL", "512 345 678", "+48512345678"),
        ("HU", "06 30 123 4567", "+36301234567"),
        ("LT", "8 612 34567", "+37061234567"),
        ("AU", "0412 345 678", "+61412345678"),
        ("NZ", "021 123 4567", "+64211234567"),
        ("JP", "090-1234-5678", "+819012345678"),
        ("KR", "010-1234-5678", "+821012345678"),
        ("CN", "138 0013 8000", "+8613800138000"),
        ("IN", "098765 43210", "+919876543210"),
        ("BR", "(11) 91234-5678", "+5511912345678"),
        ("MX", "55 1234 5678", "+525512345678"),
        ("", "+52 1 55 1234 5678", "+525512345678"),
        ("AR", "+54 9 11 1234 5678", "+5491112345678"),
        ("ZA", "082 123 4567", "+27821234567"),
        ("IL", "050-123-4567", "+972501234567"),
        ("AE", "050 123 4567", "+971501234567"),
        ("TR", "0532 123 45 67", "+905321234567"),
        ("UA", "050 123 4567", "+380501234567"),
        ("RU", "8 (912) 345-67-89", "+79123456789"),
        ("HK", "9123 4567", "+85291234567"),
        ("SG", "9123 4567", "+6591234567"),
        ("", "+355 69 123 4567", "+355691234567"),
        ("", "+2348012345678", "+2348012345678"),
        ("", "\u{00A0}+33 6 12 34 56 78 ", "+33612345678"),
    ])
    func normalizes(country: String, typed: String, expected: String) throws {
        let number = try #require(PhoneNumber.parse(country: country, number: typed), "\(country) \(typed)")
        #expect(number.e164 == expected)
    }

    @Test("Implausible numbers are refused", arguments: [
        ("US", "555 0123"),                // too short
        ("US", "(112) 555-0123"),          // area code starts with 1
        ("US", "(911) 555-0123"),          // N11 area code
        ("US", "(212) 155-0123"),          // exchange starts with 1
        ("US", "212 555 01234"),           // 11 digits without a leading 1
        ("GB", "07700 9001"),              // too short for the UK
        ("GB", "07700 9001234"),           // too long for the UK
        ("FR", "06 12 34 56 7"),
        ("DE", "0151 2345 6789 0123"),     // too long for Germany
        ("", "+999 123 456 789"),          // unknown calling code
        ("", "+28 1234 5678"),             // unknown calling code
        ("", "+1234567890123456"),         // 16 digits
        ("", "+355 12"),                   // generic NSN under 4 digits
        ("", "+355 123456789012345"),      // over 15 digits in all
        ("", "0151 2345 6789"),            // national form without a country
        ("XX", "0151 2345 6789"),          // unknown country
        ("US", "212-555-CODE"),            // letters
        ("US", "212 555 0123 x12"),        // extension
        ("", "+44 +7700 900123"),          // two plus signs
        ("", "44+7700900123"),             // plus after digits
        ("", ""),
        ("GB", "()- ."),
        ("US", "２１２５５５０１２３"),        // full-width digits
    ])
    func refuses(country: String, typed: String) {
        #expect(PhoneNumber.parse(country: country, number: typed) == nil, "\(country) \(typed)")
    }

    @Test("Masked form shows only the last two digits")
    func masked() throws {
        let us = try #require(PhoneNumber.parse(country: "US", number: "212 555 0112"))
        #expect(us.masked == "+1 ••• ••• ••12")
        let uk = try #require(PhoneNumber.parse(country: "GB", number: "07700 900123"))
        #expect(uk.masked == "+44 ••• ••• ••23")
        #expect(uk.callingCode == "44")
        #expect(uk.nationalNumber == "7700900123")
        let de = try #require(PhoneNumber.parse(country: "DE", number: "0151 2345 6789"))
        #expect(de.masked == "+49 ••• ••• ••• 89")
        for number in [us, uk, de] {
            #expect(number.masked.filter(\.isNumber) == number.callingCode + number.e164.suffix(2))
        }
    }

    @Test("Codable as the bare E.164 string")
    func codable() throws {
        let number = try #require(PhoneNumber.parse(country: "FR", number: "06 12 34 56 78"))
        let data = try JSONEncoder().encode(number)
        #expect(String(decoding: data, as: UTF8.self) == "\"+33612345678\"")
        #expect(try JSONDecoder().decode(PhoneNumber.self, from: data) == number)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PhoneNumber.self, from: Data("\"0612\"".utf8)) }
    }

    @Test("Country list is sorted by name and covers the common countries")
    func countries() {
        let names = PhoneNumber.countries.map { $0.name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
        #expect(names == names.sorted())
        #expect(Set(PhoneNumber.countries.map(\.code)).count == PhoneNumber.countries.count)
        let codes = Dictionary(PhoneNumber.countries.map { ($0.code, $0.callingCode) }, uniquingKeysWith: { a, _ in a })
        for (code, calling) in [("US", "1"), ("CA", "1"), ("GB", "44"), ("DE", "49"), ("FR", "33"), ("JP", "81"),
                                ("BR", "55"), ("ZA", "27"), ("AE", "971"), ("UA", "380"), ("IS", "354"), ("HK", "852")] {
            #expect(codes[code] == calling, "\(code)")
        }
        #expect(PhoneNumber.countries.count > 200)
    }
}
