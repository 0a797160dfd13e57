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
        ("passwordMinLengthMFA", "Shortest password with two-step verification",
         "Characters a password needs when its user must use a second factor (NIST: at least 8)."),
        ("passwordMinLength", "Shortest password without two-step verification",
         "Characters a password needs when it is all that protects the account (NIST: at least 15)."),
        ("passwordMaxLength", "Longest password", "Passwords up to this many characters are accepted whole, never cut short (at least 64)."),
        ("passwordCharacterClasses", "Character classes (weaker than the defaults)",
         "Require this many of lowercase, uppercase, digits and symbols; 0 asks for none, as NIST advises, since such rules lead to predictable passwords."),
        ("passwordMaxAgeDays", "Password expiry in days (weaker than the defaults)",
         "Make users change their password after this many days; 0 never expires it, as NIST advises, since forced changes lead to weaker passwords."),
        ("passwordExpiryWarningDays", "Expiry warning (days)", "Warn at sign-in and in settings this many days before a password expires."),
        ("rememberDeviceDays", "Remember a device (days)",
         "Users may skip the second factor on a device they chose to remember for this many days; 0 turns it off."),
        ("recoveryFactors", "Methods to prove for a reset or unlock",
         "How many different methods a user proves before resetting a forgotten password or unlocking (1 or 2)."),
        ("challengeQuestionCount", "Challenge questions per user", "How many challenge questions each user answers, when they are on."),
    ]

    /// A setting's name as the page shows it; the key itself for one it does not know.
    public static func name(_ key: String) -> String {
        numbers.first { $0.key == key }?.name ?? key
    }
}
