/// An inbound SMS offer on the challenge page: text `code` to `number`.
struct InboundSMSView: Sendable {
    let code: String
    let number: String
}
