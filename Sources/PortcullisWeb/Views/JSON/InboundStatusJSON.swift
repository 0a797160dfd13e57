/// `{"confirmed": …}`: whether the inbound SMS the challenge page waits for has arrived.
struct InboundStatusJSON: Encodable, Sendable {
    let confirmed: Bool
}
