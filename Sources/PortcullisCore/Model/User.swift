import Foundation

/// A person who signs in to one organization.
public struct User: Sendable, Codable, Equatable {
    public var id: String
    public var organizationID: String
    /// Stored lowercased; sign-in is case-insensitive.
    public var username: String
    public var displayName: String
    public var email: String?
    /// A phone number for the administrators' records (E.164); the SMS factor keeps its own number.
    public var phone: String?
    public var passwordHash: String?
    /// Set with a temporary password from an administrator: the user must choose a new one at the next sign-in.
    public var mustChangePassword: Bool
    /// When the password was last set by its user (or an administrator); nil for one set before this was recorded,
    /// which counts from `createdAt`. A policy's maximum age runs from here.
    public var passwordChangedAt: Date?
    public var isAdmin: Bool
    /// Runs the deployment: manages the spare token pool and may lend its tokens to any organization's users.
    public var isOperator: Bool
    /// An administrator requires a second factor for this user (groups and the organization may too: `MFARequirement`).
    public var mfaRequired: Bool
    /// The user chose "Don't show this again" on the enrollment invitation.
    public var mfaPromptDismissed: Bool
    public var disabled: Bool
    public var failedPasswordAttempts: Int
    public var failedFactorAttempts: Int
    public var lockedUntil: Date?
    /// How many lock periods in a row the account has had; each further one lasts longer (escalation).
    public var lockLevel: Int
    /// Failures (password and factor) since the last completed sign-in, across lock periods.
    public var consecutiveFailures: Int
    /// The escalation cap was reached: only an administrator (or, later, self-service unlock) lifts this lock.
    public var lockNeedsAdmin: Bool
    public var createdAt: Date
    public var lastSignInAt: Date?

    public init(
        id: String, organizationID: String, username: String, displayName: String, email: String? = nil,
        passwordHash: String?, isAdmin: Bool = false, isOperator: Bool = false, mfaRequired: Bool = false, mfaPromptDismissed: Bool = false,
        disabled: Bool = false, failedPasswordAttempts: Int = 0, failedFactorAttempts: Int = 0,
        lockedUntil: Date? = nil, lockLevel: Int = 0, consecutiveFailures: Int = 0, lockNeedsAdmin: Bool = false,
        createdAt: Date, lastSignInAt: Date? = nil, phone: String? = nil, mustChangePassword: Bool = false,
        passwordChangedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.username = username
        self.displayName = displayName
        self.email = email
        self.phone = phone
        self.passwordHash = passwordHash
        self.mustChangePassword = mustChangePassword
        self.passwordChangedAt = passwordChangedAt
        self.isAdmin = isAdmin
        self.isOperator = isOperator
        self.mfaRequired = mfaRequired
        self.mfaPromptDismissed = mfaPromptDismissed
        self.disabled = disabled
        self.failedPasswordAttempts = failedPasswordAttempts
        self.failedFactorAttempts = failedFactorAttempts
        self.lockedUntil = lockedUntil
        self.lockLevel = lockLevel
        self.consecutiveFailures = consecutiveFailures
        self.lockNeedsAdmin = lockNeedsAdmin
        self.createdAt = createdAt
        self.lastSignInAt = lastSignInAt
    }

    public func isLocked(at now: Date) -> Bool {
        if lockNeedsAdmin { return true }
        if let lockedUntil { return lockedUntil > now }
        return false
    }

    /// A display name as stored: trimmed, control characters (NUL, newlines) removed, at most 128 characters; nil
    /// when nothing is left.
    public static func cleanDisplayName(_ name: String?) -> String? {
        let kept = String(String.UnicodeScalarView((name ?? "").unicodeScalars.filter { $0.properties.generalCategory != .control }))
            .trimmingCharacters(in: .whitespaces)
        return kept.isEmpty ? nil : String(kept.prefix(128))
    }

    /// Usernames are compared lowercased and trimmed.
    public static func normalize(username: String) -> String {
        username.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// 1 to 64 characters of letters, digits and `._@-`.
    public static func isValidUsername(_ username: String) -> Bool {
        guard (1...64).contains(username.count) else { return false }
        return username.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_@+".unicodeScalars.contains($0)
        }
    }
}

/// Where a user stands with multi-factor authentication (SPEC §2.3).
public enum MFAState: String, Sendable {
    /// Has at least one confirmed factor.
    case enabled
    /// Required to use MFA but has no factor yet: must enroll at the next sign-in.
    case pending
    /// Not required, none enrolled.
    case none

    public init(_ requirement: MFARequirement, confirmedFactorCount: Int) {
        self.init(required: requirement.isRequired, confirmedFactorCount: confirmedFactorCount)
    }

    public init(required: Bool, confirmedFactorCount: Int) {
        if confirmedFactorCount > 0 { self = .enabled } else if required { self = .pending } else { self = .none }
    }
}
