/// The development outbox (`outbox`): the SMS and email a development server would have sent, newest first.
struct OutboxPage: PageView {
    static let template = "outbox"
    let title = "Development outbox"
    let messages: [OutboxMessageView]
    let empty: Bool
}
