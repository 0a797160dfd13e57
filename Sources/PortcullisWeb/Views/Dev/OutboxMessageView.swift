/// A message in the development outbox.
struct OutboxMessageView: Sendable {
    /// `sms` or `email`.
    let kind: String
    let to: String
    /// The email's subject (nil for an SMS).
    let subject: String?
    let body: String
    let time: String
}
