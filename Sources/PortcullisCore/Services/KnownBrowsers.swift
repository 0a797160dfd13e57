import Foundation

/// "A sign-in from a new device" (SPEC §5): each completed sign-in records the browser it ran in (`SessionBrowser`,
/// from a long-lived random cookie), and a browser the user had never signed in from before is told to them by a
/// security notice, with its name and address. Like Google's and Okta's new sign-in notices it only informs; it
/// neither blocks nor asks for more.
///
/// The first browser a user ever signs in from is recorded without a notice: it is the account's first use (or, after
/// an upgrade, the browser they already use), and a notice for it would teach users to ignore the next one. Of
/// many sign-ins racing from one new browser only one notifies (`KnownBrowserRepository.recordSignIn`). At most
/// `kept` browsers are remembered per user, the least recently seen forgotten first; a browser that clears its
/// cookies is new again. Fronts with no browser (the verification API, RADIUS) record nothing.
public struct KnownBrowsers: Sendable {
    let repositories: Repositories
    let context: FactorContext

    /// How many browsers are remembered per user.
    public static let kept = 50

    public init(repositories: Repositories, context: FactorContext) {
        self.repositories = repositories
        self.context = context
    }

    /// Records the browser of a sign-in that just completed; returns its name when it was new to the user and the
    /// user has been told (nil otherwise).
    func signedIn(_ session: Session, ip: String) async throws -> String? {
        guard let browser = session.browser else { return nil }
        let browsers = repositories.knownBrowsers
        guard try await browsers.recordSignIn(userID: session.userID, browser: browser, ip: ip, at: context.clock.now) else { return nil }
        let count = try await browsers.count(userID: session.userID)
        if count > Self.kept { try await browsers.prune(userID: session.userID, keep: Self.kept) }
        guard count > 1 else { return nil }
        context.notify(.newDeviceSignIn(device: browser.name, ip: ip), userID: session.userID)
        return browser.name
    }
}
