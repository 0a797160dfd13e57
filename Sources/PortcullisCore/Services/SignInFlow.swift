import Foundation

/// Every transition of a sign-in (SPEC §2), for every front: password, challenge, enrollment during sign-in, skip,
/// passkey, completion and sign-out. It owns the session's stage and `amr`; the checks, lockout and throttles come
/// from `SignInService`. Fronts only translate their input into these calls and the results into their answers.
public struct SignInFlow: Sendable {
    public let checks: SignInService
    public let sessions: SessionService
    var repositories: Repositories { checks.repositories }
    var audit: AuditLog { checks.audit }
    var clock: any WallClock { checks.factorContext.clock }

    public init(checks: SignInService, sessions: SessionService) {
        self.checks = checks
        self.sessions = sessions
    }

    /// Where a sign-in stands after a step.
    public enum Step: Sendable, Equatable {
        /// A second factor is owed: answer a challenge.
        case challenge
        /// A factor must be enrolled first (`required`), or may be (an invitation with Skip).
        case enroll(required: Bool)
        /// Done: the session is signed in.
        case signedIn
        /// Done but for a new password the user must choose first (`SessionStage.passwordChange`).
        case changePassword
    }

    public enum PasswordResult: Sendable {
        /// The one answer to every failure (unknown user, wrong password, locked or disabled account).
        case failed
        case throttled(until: Date)
        /// A new session (the previous one, if any, ended) and what comes next.
        case proceed(Session, Step)
    }

    public enum ChallengeResult: Sendable {
        case signedIn(Session, Factor)
        case rejected
        /// The account is locked; the session has ended. Said alike for a right and a wrong answer.
        case locked
    }

    // MARK: Steps

    /// The password step. A session already held by the browser is ended and replaced (no fixation).
    public func password(organization: Organization, username: String, password: String, ip: String,
                         replacing old: Session?) async throws -> PasswordResult {
        try await self.password(organization: organization, username: username, password: password, ip: ip, replacing: old, device: nil).result
    }

    /// The password step with the browser's remembered-device cookie (`device`, SPEC §2.3): when the next step is
    /// the challenge and the cookie names a valid device of this user and organization, the sign-in completes
    /// without it (the lock re-checked at that moment), recorded with `amr` `rmd` and the device in the audit event,
    /// and without counting as a second factor answered (a security change still asks for one). A user who must
    /// enroll is not helped by a device. `device` in the answer is what to do with the cookie (the rotated value, or
    /// clearing one that names nothing usable), whatever the result.
    /// `browser`: the browser the sign-in runs in, for the "sign-in from a new device" notice (`KnownBrowsers`).
    public func password(organization: Organization, username: String, password: String, ip: String, replacing old: Session?,
                         device cookie: String?, browser: SessionBrowser? = nil) async throws -> (result: PasswordResult, device: DeviceCookieChange?) {
        switch try await checks.verifyPassword(organization: organization, username: username, password: password, ip: ip) {
        case .failed: return (.failed, nil)
        case .throttled(let until): return (.throttled(until: until), nil)
        case .success(let user):
            if let old { try await sessions.end(old.token) }
            let session = try await sessions.start(user: user, stage: .secondFactor, amr: ["pwd"], browser: browser)
            switch try await checks.nextStep(for: user) {
            case .challenge:
                switch try await devices.use(cookie: cookie, user: user, ip: ip, keepingSession: session.token) {
                case .accepted(let device, let rotated, let change):
                    let via = AuditDetail.SignInStep(rememberedDeviceID: device.id, deviceUse: rotated ? "rotated" : "grace")
                    guard let signedIn = try await complete(session, user: user, addingAMR: [RememberedDevices.amr], ip: ip, via: via) else {
                        return (.failed, change)
                    }
                    return (.proceed(signedIn, signedIn.stage == .passwordChange ? .changePassword : .signedIn), change)
                case .notUsed(let change): return (.proceed(session, .challenge), change)
                case .theftSuspected: return (.proceed(session, .challenge), .clear)
                }
            case .enroll(let required): return (.proceed(session, .enroll(required: required)), nil)
            case .done:
                guard let signedIn = try await complete(session, user: user, addingAMR: [], ip: ip) else { return (.failed, nil) }
                return (.proceed(signedIn, signedIn.stage == .passwordChange ? .changePassword : .signedIn), nil)
            }
        }
    }

    /// The user's remembered devices, as the sign-in uses them.
    public var devices: RememberedDevices {
        RememberedDevices(repositories: repositories, context: checks.factorContext, audit: audit)
    }

    /// "Remember this device" ticked at a challenge that was just answered: the browser is remembered for the
    /// organization's days. Only a session fully signed in by a second factor answered just now; a sign-in that must
    /// first replace its password is not remembered (the new password would forget the device at once). Returns the
    /// cookie to set, or nil.
    public func rememberDevice(_ session: Session, userAgent: String?, ip: String) async throws -> DeviceCookieChange? {
        guard session.stage == .signedIn, sessions.isRecentlyVerified(session, within: 60),
              let user = try await repositories.users.find(id: session.userID), !user.disabled else { return nil }
        return try await devices.remember(user: user, userAgent: userAgent, ip: ip)
    }

    /// Answers the challenge of a half-finished sign-in with one of the user's confirmed factors.
    public func answer(session: Session, factorID: String, response: FactorResponse, ip: String) async throws -> ChallengeResult {
        guard session.stage == .secondFactor else { return .rejected }
        switch try await checks.verifyFactor(userID: session.userID, factorID: factorID, response: response, ip: ip) {
        case .accepted(let factor):
            let signedIn = try await signIn(session, addingAMR: amr(of: factor), ip: ip)
            return .signedIn(signedIn, factor)
        case .rejected:
            return .rejected
        case .locked:
            try await sessions.end(session.token)
            return .locked
        }
    }

    public enum SkipResult: Sendable {
        case signedIn(Session)
        /// MFA is required (or the user has factors): there is no skipping.
        case notAllowed
        case locked
    }

    /// "Skip" (and "Don't show this again") on the enrollment invitation of a user who need not use MFA.
    public func skipEnrollment(session: Session, user: User, dismiss: Bool, ip: String) async throws -> SkipResult {
        guard session.stage == .secondFactor, case .enroll(required: false) = try await checks.nextStep(for: user) else { return .notAllowed }
        if dismiss { try await repositories.users.setMFAPromptDismissed(userID: user.id) }
        guard let signedIn = try await complete(session, user: user, addingAMR: [], ip: ip) else { return .locked }
        return .signedIn(signedIn)
    }

    /// A first factor was enrolled and confirmed during sign-in: it proved itself, so the sign-in completes with it.
    /// Returns the signed-in session, or nil when the account was locked or disabled meanwhile (the session ends).
    public func enrolled(session: Session, user: User, factor: Factor, ip: String) async throws -> Session? {
        guard session.stage == .secondFactor else { return session }
        return try await complete(session, user: user, addingAMR: amr(of: factor), ip: ip)
    }

    public enum PasskeyResult: Sendable {
        case signedIn(Session)
        case rejected
        case locked
    }

    /// Sign-in with a discoverable credential and user verification, without a password: a multi-factor
    /// authenticator on its own (possession plus a fingerprint or PIN).
    public func passkey(user: User, factor: Factor, response: FactorResponse, ip: String, replacing old: Session?,
                        browser: SessionBrowser? = nil) async throws -> PasskeyResult {
        switch try await checks.verifyFactor(userID: user.id, factorID: factor.id, response: response, ip: ip) {
        case .accepted:
            if let old { try await sessions.end(old.token) }
            let stage: SessionStage = try await passwordChangeDue(user) ? .passwordChange : .signedIn
            let session = try await sessions.start(user: user, stage: stage, amr: ["hwk", "user", "mfa"], verified: true, browser: browser)
            try await recordSignIn(session, ip: ip)
            return .signedIn(session)
        case .rejected: return .rejected
        case .locked: return .locked
        }
    }

    // MARK: Re-authentication

    /// Whether a security change (adding or removing a factor, changing the default, new backup codes) must first
    /// answer a second factor: when the user holds a possession factor and the session has not answered one within
    /// the policy's window. A user with no factor yet enrolls the first one without it.
    public func needsStepUp(_ session: Session, user: User) async throws -> Bool {
        guard !sessions.isRecentlyVerified(session, within: checks.policy.stepUpWindow) else { return false }
        let factors = try await checks.confirmedFactors(userID: user.id)
        return factors.contains { checks.methods.isPossession($0) }
    }

    /// Whether a session may enroll a factor now (SPEC §2.3, §3.1).
    public enum EnrollmentPermission: Sendable, Equatable {
        case allowed
        /// Signed in, but the last second factor is too old: step up first.
        case stepUpFirst
        /// Mid-sign-in with factors already: answer one of them first, or a stolen password could add the thief's own.
        case challengeFirst
    }

    public func mayEnroll(_ session: Session, user: User) async throws -> EnrollmentPermission {
        if session.stage == .signedIn { return try await needsStepUp(session, user: user) ? .stepUpFirst : .allowed }
        guard case .enroll = try await checks.nextStep(for: user) else { return .challengeFirst }
        return .allowed
    }

    public enum StepUpResult: Sendable {
        case verified(Session)
        case rejected
        /// The failure locked the account; the session has ended.
        case locked
    }

    /// A step-up: a signed-in session answers one of the user's factors again, with the lockout of sign-in.
    public func stepUp(session: Session, factorID: String, response: FactorResponse, ip: String) async throws -> StepUpResult {
        guard session.stage == .signedIn else { return .rejected }
        switch try await checks.verifyFactor(userID: session.userID, factorID: factorID, response: response, ip: ip, signsIn: false) {
        case .accepted: return .verified(try await sessions.markVerified(session))
        case .rejected: return .rejected
        case .locked:
            try await sessions.end(session.token)
            return .locked
        }
    }

    /// "Sign out other sessions": every session of the user but this one ends.
    public func endOtherSessions(_ session: Session, ip: String) async throws {
        try await sessions.endOthers(of: session)
        try await audit.record(.otherSessionsEnded, organizationID: session.organizationID, userID: session.userID, actor: .user(session.userID), ip: ip)
    }

    public func signOut(_ session: Session, ip: String) async throws {
        try await sessions.end(session.token)
        try await audit.record(.signedOut, organizationID: session.organizationID, userID: session.userID, actor: .user(session.userID), ip: ip)
    }

    // MARK: Completion

    /// The `amr` values a factor adds: its own, and `mfa` when it is a possession factor (SPEC §3.1: a pattern or a
    /// backup code after the password is not multi-factor).
    public func amr(of factor: Factor) -> [String] {
        guard let descriptor = checks.methods.descriptor(of: factor) else { return [] }
        return descriptor.isPossession ? [descriptor.amr, "mfa"] : [descriptor.amr]
    }

    /// Completes a sign-in that needs no further factor check (or whose second factor a remembered device stood in
    /// for, `via`): the lock is re-checked atomically first.
    private func complete(_ session: Session, user: User, addingAMR amr: [String], ip: String,
                          via device: AuditDetail.SignInStep? = nil) async throws -> Session? {
        guard try await repositories.users.succeed(userID: user.id, at: clock.now, signedIn: true) else {
            try await sessions.end(session.token)
            try await audit.record(.signInFailed, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), reason: "locked", ip: ip,
                                   detail: .signIn(.init(stage: .completion)))
            return nil
        }
        return try await signIn(session, addingAMR: amr, ip: ip, via: device)
    }

    /// Moves the session to signed-in under a new token and records the sign-in; to `passwordChange` when the user
    /// must first replace their password. A factor in `amr` marks the session verified; a remembered device does not.
    private func signIn(_ session: Session, addingAMR amr: [String], ip: String, via device: AuditDetail.SignInStep? = nil) async throws -> Session {
        var due = false
        if let user = try await repositories.users.find(id: session.userID) { due = try await passwordChangeDue(user) }
        let signedIn = try await sessions.advance(session, to: due ? .passwordChange : .signedIn, addingAMR: amr,
                                                  verified: !amr.isEmpty && device == nil)
        try await recordSignIn(signedIn, ip: ip, via: device)
        return signedIn
    }

    /// Whether the user must choose a new password before going on: an administrator's temporary password, or one
    /// past the organization's maximum age.
    func passwordChangeDue(_ user: User) async throws -> Bool {
        if user.mustChangePassword { return true }
        let policy = try await checks.factorContext.forOrganization(id: user.organizationID).policy.password
        return PasswordService.status(of: user, policy: policy, now: clock.now).mustChange
    }

    public enum NewPasswordResult: Sendable {
        /// The password is replaced and the session fully signed in (under a new token).
        case signedIn(Session)
        case refused(PasswordVerdict)
    }

    /// The new password a `passwordChange` session owes; then it is fully signed in.
    public func choosePassword(session: Session, user: User, new: String, passwords: PasswordService, ip: String) async throws -> NewPasswordResult {
        guard session.stage == .passwordChange else { return .refused(try await passwords.check(new, for: user)) }
        let verdict = try await passwords.replaceAtSignIn(session: session, user: user, new: new, ip: ip)
        guard verdict.isAcceptable else { return .refused(verdict) }
        return .signedIn(try await sessions.advance(session, to: .signedIn, addingAMR: []))
    }

    /// Audits a completed sign-in, and tells the user when it came from a browser they never signed in from before.
    private func recordSignIn(_ session: Session, ip: String, via device: AuditDetail.SignInStep? = nil) async throws {
        var step = device ?? AuditDetail.SignInStep()
        step.amr = session.amr
        step.newBrowser = try await KnownBrowsers(repositories: repositories, context: checks.factorContext).signedIn(session, ip: ip)
        try await audit.record(.signInSucceeded, organizationID: session.organizationID, userID: session.userID, actor: .user(session.userID), ip: ip,
                               detail: .signIn(step))
    }
}
