import Foundation
import PortcullisCrypto

/// Creates, checks and ends server-side sessions (stored in the database, so any node serves any request).
///
/// Every change of stage issues a new token and deletes the old one (no session fixation).
public struct SessionService: Sendable {
    public struct Timeouts: Sendable, Equatable {
        /// A signed-in session ends after this long without a request.
        public var idle: TimeInterval = 30 * 60
        /// …and after this long whatever the activity.
        public var absolute: TimeInterval = 12 * 60 * 60
        /// A half-finished sign-in (second factor owed) lasts this long.
        public var secondFactor: TimeInterval = 10 * 60

        public init(idle: TimeInterval = 30 * 60, absolute: TimeInterval = 12 * 60 * 60, secondFactor: TimeInterval = 10 * 60) {
            self.idle = idle
            self.absolute = absolute
            self.secondFactor = secondFactor
        }
    }

    let repository: any SessionRepository
    let clock: any WallClock
    let random: any RandomSource
    /// Seals flashes (they may hold backup codes) with the session's token hash as context.
    let secrets: SecretBox
    public let timeouts: Timeouts
    /// `lastSeenAt` is written at most this often, so a busy session does not write on every request.
    static let touchInterval: TimeInterval = 60

    public init(repository: any SessionRepository, clock: any WallClock, random: any RandomSource, secrets: SecretBox, timeouts: Timeouts) {
        self.repository = repository
        self.clock = clock
        self.random = random
        self.secrets = secrets
        self.timeouts = timeouts
    }

    /// Starts a session for a user whose password (or passkey, `verified`) was just checked.
    public func start(user: User, stage: SessionStage, amr: [String], verified: Bool = false, browser: SessionBrowser? = nil) async throws -> Session {
        let now = clock.now
        let lifetime = stage == .signedIn ? timeouts.absolute : timeouts.secondFactor
        let session = Session(token: random.token(), userID: user.id, organizationID: user.organizationID, stage: stage,
                              amr: amr, createdAt: now, lastSeenAt: now, expiresAt: now.addingTimeInterval(lifetime),
                              verifiedAt: verified ? now : nil, browser: browser)
        try await repository.insert(session)
        return session
    }

    /// Moves a session to a new stage under a new token; the old token stops working. `verified`: a second factor
    /// was just answered.
    public func advance(_ session: Session, to stage: SessionStage, addingAMR amr: [String], verified: Bool = false) async throws -> Session {
        try await repository.delete(token: session.token)
        let now = clock.now
        var next = session
        next.token = random.token()
        next.stage = stage
        next.amr = session.amr + amr.filter { !session.amr.contains($0) }
        next.lastSeenAt = now
        next.createdAt = now
        next.expiresAt = now.addingTimeInterval(stage == .signedIn ? timeouts.absolute : timeouts.secondFactor)
        if verified { next.verifiedAt = now }
        try await repository.insert(next)
        return next
    }

    /// The live session for a cookie value, or nil if unknown, idle too long or past its lifetime.
    public func validate(token: String) async throws -> Session? {
        try await current(token: token)?.session
    }

    /// The live session for a cookie value with its user (one query), or nil if unknown, idle too long or past its
    /// lifetime. Whether the user may still sign in (disabled) is the caller's check.
    public func current(token: String) async throws -> (session: Session, user: User)? {
        guard token.count >= 40, token.count <= 64 else { return nil }
        guard let found = try await repository.find(token: token) else { return nil }
        let session = found.session
        let now = clock.now
        let idleLimit = session.stage == .signedIn ? timeouts.idle : timeouts.secondFactor
        if session.expiresAt <= now || now.timeIntervalSince(session.lastSeenAt) > idleLimit {
            try await repository.delete(token: token)
            return nil
        }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
            try await repository.touch(token: token, at: now)
        }
        return found
    }

    /// Hands `flash` to the session's next page (Post/Redirect/Get).
    public func stash(_ flash: Flash, in session: Session) async throws {
        let sealed = try secrets.seal(Array(try JSONEncoder().encode(flash)), context: "flash:" + session.binding)
        try await repository.setFlash(token: session.token, sealed: sealed)
    }

    /// The flash waiting for the session's next page; nil when there is none (or it cannot be opened). Reading it
    /// changes nothing: the page that shows it clears it (`clearFlash`), so a poll or a redirect in between does not
    /// swallow it.
    public func flash(of session: Session) -> Flash? {
        guard let sealed = session.sealedFlash,
              let bytes = try? secrets.open(sealed, context: "flash:" + session.binding) else { return nil }
        return try? JSONDecoder().decode(Flash.self, from: Data(bytes))
    }

    /// The page showing the flash was sent: it is not shown again.
    public func clearFlash(_ session: Session) async throws {
        try await repository.setFlash(token: session.token, sealed: nil)
    }

    /// A second factor was answered again (a step-up before a security change).
    public func markVerified(_ session: Session) async throws -> Session {
        var session = session
        session.verifiedAt = clock.now
        try await repository.setVerified(token: session.token, at: clock.now)
        return session
    }

    /// Whether the session answered a second factor within `window` seconds.
    public func isRecentlyVerified(_ session: Session, within window: TimeInterval) -> Bool {
        session.verifiedAt.map { clock.now.timeIntervalSince($0) <= window } ?? false
    }

    /// Ends every other session of the session's user ("Sign out other sessions").
    public func endOthers(of session: Session) async throws {
        try await repository.deleteAll(userID: session.userID, stage: nil, exceptToken: session.token)
    }

    public func end(_ token: String) async throws {
        try await repository.delete(token: token)
    }

    /// Removes sessions that can no longer be used.
    public func purgeExpired() async throws {
        let now = clock.now
        try await repository.deleteExpired(before: now, idleSince: now.addingTimeInterval(-timeouts.idle))
    }
}
