import PortcullisApp
import PortcullisCore

/// What a page says above its content after an action: a confirmation (`#notice`) or a problem (`#error`). A redirect
/// carries one as `?notice=<code>` (only the codes the target page accepts show anything; an unknown one shows
/// nothing) or in the session's flash; a page rendered in answer to a form carries its own. The wording is in
/// `Notice+Text.swift`, the `?notice=` codes in `Notice+Code.swift`.
enum Notice: Sendable, Equatable {
    // MARK: Sign-in page

    /// Too many failed attempts: the account is locked for `minutes`.
    case locked(minutes: Int)
    case signedOut
    case signInExpired
    case passkeyFailed
    case missingCredentials
    /// Too many failed sign-ins from the client's network: try again in `minutes`.
    case throttled(minutes: Int)
    /// The one answer to every failed password step (SPEC §2.1–2.2), naming the lockout policy.
    case signInFailed(lockoutThreshold: Int, lockMinutes: Int)

    // MARK: Challenge

    /// An SMS or email code went to the (masked) destination.
    case codeSent(to: String)
    /// A new enrollment code went to the destination.
    case newCodeSent(to: String)
    case waitBeforeResending(seconds: Int)
    /// A code could not be sent (rate limit or delivery failure), with the delivery service's words; at a challenge
    /// the user is pointed to their other methods.
    case codeNotSent(CodeSendProblem, offerOtherMethods: Bool)
    case challengeExpired
    case enterTheCode
    case answerRejected

    // MARK: Enrollment

    case invalidPhoneNumber
    case enrollmentCodeMismatch
    case authenticatorCodeMismatch

    // MARK: Settings

    case enrolled
    case renamed
    case renameFailed
    case defaultChanged
    case defaultFailed
    case removed
    case removeFailed
    case lastFactorRequired
    case patternNeedsFactor
    case patternEnrolled
    case codesRegenerated
    case codesNeedFactor
    case resynced
    case resyncFailed
    case sessionsEnded
    /// The organization turned off the kind of method the user relies on: add another.
    case replaceFactor
    /// Remembered devices: one forgotten, all forgotten, or one that was not (any more) the user's.
    case deviceForgotten
    case devicesForgotten
    case deviceNotFound

    // MARK: Passwords

    /// Changed (in settings, or as a sign-in asked): update it on the other devices.
    case passwordChanged
    case currentPasswordWrong
    case passwordsDiffer
    case questionsSaved

    // MARK: Forgot password and unlock account

    /// The recovery ended (expired, completed, or never started): start again.
    case recoveryExpired
    /// Too many wrong answers: start again later.
    case recoveryBlocked
    /// "If your account has …, we sent a code to it."
    case codeSentIfAny(MessageChannel)
    /// One method is proven; the organization asks for another, different one.
    case anotherMethodNeeded
    case recoveryRejected
    /// On the sign-in page after a reset or an unlock.
    case passwordReset
    case accountUnlocked

    // MARK: Admin: hardware tokens

    case imported(count: Int)
    case seedFileMissing
    case preSharedKeyNotHex
    case nothingImported
    case tokenAssigned
    case tokenLent
    case tokenReturned
    case tokenResynced
    case tokenDisabled
    case tokenEnabled
    case tokenCodesMismatch
    case noOrganization(slug: String)
    case noUser(username: String, organization: String)
    case dueTimeNotInFuture

    // MARK: Admin: users, groups, policy

    case admin(AdminNotice)

    // MARK: Worded elsewhere

    /// A domain error, worded by the error catalog (an import's problem, a key the server would not register, a
    /// pattern that cannot be used, an address that cannot receive codes).
    case problem(ErrorDescription)
}
