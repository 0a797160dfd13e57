/// The second step of enrolling a phone or an email address (`enroll-code`): the code sent there.
struct EnrollCodePage: PageView {
    static let template = "factors/message/confirm"
    let title = "Enter the code"
    /// `sms` or `email`: where the forms post (`/enroll/{type}/confirm`, `/enroll/{type}/resend`).
    let type: String
    let isSMS: Bool
    /// The pending factor, and where its code went (as its name shows it).
    let factorID: String
    let destination: String
    let cancel: String
}
