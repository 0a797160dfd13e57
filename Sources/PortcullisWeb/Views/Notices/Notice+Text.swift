import PortcullisApp
import PortcullisCore

extension Notice {
    /// The words shown.
    var text: String {
        switch self {
        case .locked(let minutes):
            "Too many failed attempts: your account is locked for \(minutes) minutes. It unlocks by itself, or an administrator can unlock it sooner."
        case .signedOut: "You have signed out."
        case .signInExpired: "Your sign-in took too long. Please start again."
        case .passkeyFailed: "Sign-in with a passkey did not work. Try again, or sign in with your username and password."
        case .missingCredentials: "Enter your username and password."
        case .throttled(let minutes): "Too many failed sign-ins from your network. Try again in \(minutes) minute\(minutes == 1 ? "" : "s")."
        case .signInFailed(let threshold, let minutes):
            "Sign-in failed. Check your username and password and try again. After \(threshold) failed attempts an "
                + "account is locked for \(minutes) minutes; it unlocks by itself, or an administrator can unlock it sooner."

        case .codeSent(let destination): "We sent a code to \(destination)."
        case .newCodeSent(let destination): "We sent a new code to \(destination)."
        case .waitBeforeResending(let seconds): "Wait \(seconds) seconds before asking for another code."
        case .codeNotSent(let problem, let offerOtherMethods):
            problem.described.message + (offerOtherMethods ? " You can also use another method." : "")
        case .challengeExpired: "That request expired. Try again."
        case .enterTheCode: "Enter the code."
        case .answerRejected: "That didn't work. Check it and try again."

        case .invalidPhoneNumber: "That is not a valid phone number. Choose the country and enter the number."
        case .enrollmentCodeMismatch: "That code didn't match. Check it, or ask for a new one."
        case .authenticatorCodeMismatch: "That code didn't match. Wait for a new code in your app and enter it."

        case .enrolled: "Your new sign-in method is set up."
        case .renamed: "Renamed."
        case .renameFailed: "Give the method a name of 1 to 64 characters."
        case .defaultChanged: "Default method changed."
        case .defaultFailed: "That method cannot be your default."
        case .removed: "Removed."
        case .removeFailed: "That method could not be removed."
        case .lastFactorRequired: "Your organization requires two-step verification: add another method before you remove your last one."
        case .patternNeedsFactor: "A grid pattern is a backup: set up an authenticator app, a security key or another method first."
        case .patternEnrolled: "Your grid pattern is set up."
        case .codesRegenerated: "New backup codes issued; the old ones no longer work."
        case .codesNeedFactor: "Set up another method first; backup codes back it up."
        case .resynced: "Your token is back in step."
        case .resyncFailed: "Those codes did not match your token. Press the button twice and enter both codes, in order."
        case .sessionsEnded: "You are signed out everywhere else."
        case .replaceFactor: "Your organization no longer allows the kind of sign-in method you use. Add another method now, then remove the old one."
        case .deviceForgotten: "That device is forgotten: it will be asked for a second factor at its next sign-in."
        case .devicesForgotten: "Every remembered device is forgotten: each will be asked for a second factor at its next sign-in."
        case .deviceNotFound: "That device is no longer remembered."

        case .passwordChanged:
            "Your password is changed, and you are signed out everywhere else. Update it on your other devices too (mail or "
                + "calendar on your phone, a VPN): they may otherwise lock your account by retrying the old one."
        case .currentPasswordWrong: "Your current password is not right."
        case .questionsSaved: "Your challenge questions are saved."
        case .passwordsDiffer: "The two new passwords differ. Type the same password twice."

        case .recoveryExpired: "That request has ended. Please start again."
        case .recoveryBlocked: "Too many wrong answers. Please wait and start again, or contact your administrator."
        case .codeSentIfAny(let channel):
            channel == .sms
                ? "If your account has a phone number for text messages, we sent a code to it. Enter it below."
                : "If your account has an email address for codes, we sent a code to it. Enter it below."
        case .anotherMethodNeeded: "That worked. Your organization asks for one more, different method."
        case .recoveryRejected: "That didn't work. Check it and try again, or use another method."
        case .passwordReset:
            "Your new password is set. Sign in with it; you will still be asked for your second method. Update it on your "
                + "other devices too: they may otherwise lock your account by retrying the old one."
        case .accountUnlocked: "Your account is unlocked. You can sign in again."

        case .imported(let count): "Imported \(count) token\(count == 1 ? "" : "s")."
        case .seedFileMissing: "Paste the contents of the vendor's seed file."
        case .preSharedKeyNotHex: "The pre-shared key must be hexadecimal."
        case .nothingImported: "Nothing was imported: fix these and try again."
        case .tokenAssigned: "Assigned."
        case .tokenLent: "Lent."
        case .tokenReturned: "Returned to the inventory."
        case .tokenResynced: "Resynchronized."
        case .tokenDisabled: "Disabled."
        case .tokenEnabled: "Back in the inventory."
        case .tokenCodesMismatch: "Those codes did not match the token. Press the button twice and enter both codes, in order."
        case .noOrganization(let slug): "No organization \(slug)."
        case .noUser(let username, let organization): "No user \(username) in \(organization)."
        case .dueTimeNotInFuture: "Give a time in the future."

        case .admin(let notice): notice.text
        case .problem(let description): description.message
        }
    }

    /// Whether it tells of a problem (shown as an error, announced as an alert) rather than confirming an action.
    var isError: Bool {
        switch self {
        case .signedOut, .signInExpired, .codeSent, .newCodeSent, .enrolled, .renamed, .defaultChanged, .removed, .patternEnrolled,
             .codesRegenerated, .resynced, .sessionsEnded, .imported, .tokenAssigned, .tokenLent, .tokenReturned, .tokenResynced,
             .tokenDisabled, .tokenEnabled, .admin, .passwordChanged, .questionsSaved, .codeSentIfAny, .anotherMethodNeeded, .passwordReset, .accountUnlocked,
             .deviceForgotten, .devicesForgotten:
            false
        case .locked, .passkeyFailed, .missingCredentials, .throttled, .signInFailed, .waitBeforeResending, .codeNotSent,
             .challengeExpired, .enterTheCode, .answerRejected, .invalidPhoneNumber,
             .enrollmentCodeMismatch, .authenticatorCodeMismatch, .renameFailed, .defaultFailed, .removeFailed, .lastFactorRequired,
             .patternNeedsFactor, .codesNeedFactor, .resyncFailed, .replaceFactor, .seedFileMissing, .preSharedKeyNotHex, .nothingImported,
             .tokenCodesMismatch, .noOrganization, .noUser, .dueTimeNotInFuture, .problem, .currentPasswordWrong, .passwordsDiffer,
             .recoveryExpired, .recoveryBlocked, .recoveryRejected, .deviceNotFound:
            true
        }
    }
}
