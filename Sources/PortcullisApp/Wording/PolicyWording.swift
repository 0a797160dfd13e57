import PortcullisCore

/// The organization policy's settings in words: their names and the one sentence that explains each (the policy
/// page, the command line's `policy show`, and error messages).
public enum PolicyWording {
    /// Each numeric setting's name and explanation, in the order the policy page shows them.
    public static let numbers: [(key: String, name: String, explanation: String)] = [
        ("recommendedFactorCount", "Recommended number of methods", "Users who hold fewer methods are advised to add more, so that losing one does not lock them out."),
        ("lockoutThreshold", "Failed attempts before lockout", "After this many wrong passwords (or wrong codes) in a row the account locks."),
        ("lockoutMinutes", "Lockout duration (minutes)", "How long the first lock lasts."),
        ("lockoutEscalation", "Lockout escalation factor", "Each further lock in a row lasts this many times longer."),
        ("lockoutMaxMinutes", "Longest lockout (minutes)", "No lock lasts longer than this."),
        ("lockoutFailureCap", "Failures before an administrator must unlock", "After this many failures without a successful sign-in only an administrator can unlock the account."),
        ("codeDigits", "Digits in SMS and email codes", "How long the one-time codes sent by text message and email are."),
        ("codeLifetimeMinutes", "Code lifetime (minutes)", "How long a sent code can be used."),
        ("resendCooldownSeconds", "Resend cooldown (seconds)", "How long a user waits before asking for another code."),
        ("sendsPerUserHour", "Codes per user per hour", "At most this many codes are sent to one user in an hour (against SMS pumping)."),
        ("sendsPerUserDay", "Codes per user per day", "At most this many codes are sent to one user in a day."),
        ("sendsPerOrganizationHour", "Codes per organization per hour", "At most this many codes are sent for the whole organization in an hour."),
        ("sendsPerOrganizationDay", "Codes per organization per day", "At most this many codes are sent for the whole organization in a day."),
        ("backupCodeCount", "Backup codes per list", "How many single-use backup codes a user gets at a time."),
        ("totpDigits", "Authenticator app digits", "Digits of the codes new authenticator apps show (6 works with every app)."),
        ("totpPeriod", "Authenticator app period (seconds)", "How often new authenticator apps change their code (30 works with every app)."),
        ("totpDrift", "Clock drift allowed (steps)", "Codes this many periods early or late are accepted, for phones whose clock is off."),
        ("patternGridSize", "Grid pattern size", "The grid's width and height in dots (3 to 5)."),
    ]

    /// A setting's name as the page shows it; the key itself for one it does not know.
    public static func name(_ key: String) -> String {
        numbers.first { $0.key == key }?.name ?? key
    }
}
