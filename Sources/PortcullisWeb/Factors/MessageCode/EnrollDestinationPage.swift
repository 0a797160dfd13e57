/// The first step of enrolling a phone (SMS) or an email address (`enroll-destination`): where codes go.
struct EnrollDestinationPage: PageView {
    static let template = "factors/message/destination"
    let title: String
    /// `sms` or `email`: which field, and where the form posts (`/enroll/{type}`).
    let type: String
    let isSMS: Bool
    /// The countries to choose a phone number's from, the one entered before selected.
    let countries: [CountryOptionView]
    /// What was entered before (after a refusal), to fill in again.
    let number: String
    let email: String
    let label: String
    /// Where "Cancel" goes: settings, or the choice of methods during sign-in.
    let cancel: String
}
