/// Codes by text message to a phone number in E.164 form (`parameters["phone"]`). An out-of-band channel: weaker
/// than a device the user holds (SPEC §3.1).
public struct SMSFactor: MessageCodeFactor {
    public let type = FactorType.sms
    public let amr = "sms"
    public let displayName = "Text message"
    public let destinationKey = "phone"

    public init() {}
}
