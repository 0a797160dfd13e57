/// Codes by text message to a phone number in E.164 form. An out-of-band channel: weaker than a device the user holds
/// (SPEC §3.1). The only type a user may also answer by texting a code back (inbound SMS).
public struct SMSFactor: MessageCodeFactor {
    public let descriptor = FactorDescriptor(type: .sms, strength: .outOfBand, amr: "sms", displayName: "Text message")
    public let channel = MessageChannel.sms
    public let acceptsInboundReplies = true

    public init() {}

    public func parameters(destination: String) -> SMSParameters { SMSParameters(phone: destination) }
    public func destination(in parameters: SMSParameters) -> String { parameters.phone }
}

/// Where an SMS factor's codes go.
public struct SMSParameters: FactorParameters, Equatable {
    /// E.164, e.g. `+14155550100`.
    public var phone: String

    public init(phone: String) { self.phone = phone }
}
