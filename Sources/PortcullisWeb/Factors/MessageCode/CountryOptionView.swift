/// A country in the phone number's country list.
struct CountryOptionView: Sendable {
    /// ISO 3166 code, name, and international calling code (without "+").
    let code: String
    let name: String
    let callingCode: String
    let selected: Bool
}
