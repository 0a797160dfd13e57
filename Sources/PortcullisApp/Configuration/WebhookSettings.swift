/// Provider callbacks: the Twilio auth token that verifies inbound SMS webhooks (`PORTCULLIS_TWILIO_AUTH_TOKEN`, the
/// same token the Twilio provider sends with; read whatever the SMS provider, as inbound texts may come through
/// Twilio alone). Without it `/webhooks/twilio/sms` answers 404. Never printed.
public struct WebhookSettings: Sendable, Equatable {
    public var twilioAuthToken: String?

    public init() {}

    public init(reading read: ConfigurationReader) throws {
        twilioAuthToken = read.raw("PORTCULLIS_TWILIO_AUTH_TOKEN")
    }
}

extension WebhookSettings: CustomStringConvertible, CustomReflectable {
    /// Never prints the token.
    public var description: String { "WebhookSettings(twilioAuthToken: \(twilioAuthToken == nil ? "none" : "<redacted>"))" }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
