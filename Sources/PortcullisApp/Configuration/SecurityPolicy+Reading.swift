import Foundation
import PortcullisCore

extension SecurityPolicy {
    /// Lockout, step-up, IP limit, issuer, grid pattern, WebAuthn and passkey settings over the domain's defaults.
    /// `webAuthnOrigin` is left to `Configuration`, which sets it from the server's base URL.
    public init(reading read: ConfigurationReader) throws {
        self.init()
        if let v = try read.int("PORTCULLIS_LOCKOUT_THRESHOLD", 1...100) { lockoutThreshold = v }
        if let v = try read.int("PORTCULLIS_LOCKOUT_MINUTES", 1...10_080) { lockoutDuration = TimeInterval(v * 60) }
        if let v = try read.int("PORTCULLIS_LOCKOUT_ESCALATION", 1...10) { lockoutEscalation = Double(v) }
        if let v = try read.int("PORTCULLIS_LOCKOUT_MAX_MINUTES", 1...525_600) { lockoutMaxDuration = TimeInterval(v * 60) }
        if let v = try read.int("PORTCULLIS_LOCKOUT_FAILURE_CAP", 1...100) { lockoutFailureCap = v }
        if let v = try read.int("PORTCULLIS_STEP_UP_MINUTES", 1...60) { stepUpWindow = TimeInterval(v * 60) }
        if let v = try read.int("PORTCULLIS_ADMIN_STEP_UP_MINUTES", 1...240) { adminStepUpWindow = TimeInterval(v * 60) }
        if let v = try read.int("PORTCULLIS_IP_FAILURE_LIMIT", 1...1_000_000) { ipFailureLimit = v }
        if let v = read.string("PORTCULLIS_ISSUER") { issuer = v }
        if let v = try read.int("PORTCULLIS_PATTERN_GRID", 3...5) { patternGridSize = v }
        if let v = try read.bool("PORTCULLIS_PATTERN_CAN_BE_DEFAULT") { patternCanBeDefault = v }
        if let v = try read.choice("PORTCULLIS_WEBAUTHN_USER_VERIFICATION", ["preferred", "required"]) {
            webAuthnRequireUserVerification = v == "required"
        }
        if let v = try read.bool("PORTCULLIS_PASSKEY_SIGN_IN") { passkeySignIn = v }
    }
}
