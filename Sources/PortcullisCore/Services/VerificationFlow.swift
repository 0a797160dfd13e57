import Foundation

/// The verification API's side of sign-in (SPEC §7), for VPNs, RADIUS front-ends, PAM and legacy applications, in
/// privacyIDEA's shape: `pass` is the password followed by a code (both checked at once), or the password alone
/// (answered with a challenge: a code is sent, or the user is asked for their app's code, under a 20-digit
/// transaction id), or, with a transaction id, the code alone. The same checks, lockout, throttles and audit as the
/// web pages, since both run through `SignInService`.
public struct VerificationFlow: Sendable {
    let checks: SignInService
    let messageCodes: MessageCodeService
    var repositories: Repositories { checks.repositories }
    var clock: any WallClock { checks.factorContext.clock }

    public init(checks: SignInService, messageCodes: MessageCodeService) {
        self.checks = checks
        self.messageCodes = messageCodes
    }

    public enum Outcome: Sendable {
        /// Password and second factor were right.
        case accept(User, Factor)
        /// Anything else: wrong password or code, unknown user, locked account, an unknown or used transaction. The
        /// factor is named when the caller answered a transaction it holds.
        case reject(Factor?)
        /// The password was right; answer with a code under this transaction. `sent`: the code went out by SMS or
        /// email; otherwise it comes from the user's app or token.
        case challenge(VerificationTransaction, Factor, sent: Bool)
        /// Too many failures from this address.
        case throttled
    }

    /// `/validate/check`.
    public func check(organization: Organization, username: String, pass: String, transactionID: String?, key: APIKey, ip: String) async throws -> Outcome {
        if let transactionID, !transactionID.isEmpty {
            return try await answer(organization: organization, username: username, code: pass, transactionID: transactionID, key: key, ip: ip)
        }
        let user = try await findUser(organization, username)
        // A code at the end of `pass` is found by checking, without using it up, whether it is one of the user's codes
        // for now (a used one then counts as a replay, not as a wrong password). Either way exactly one password hash
        // follows, so timing says nothing.
        // An unknown user costs the same factor query.
        let codeFactor = try await trailingCode(in: pass, userID: user?.id ?? "unknown")
        let password = codeFactor.map { String(pass.dropLast($0.1.count)) } ?? pass
        // The user found above is the one checked: looking them up again would be the same query.
        switch try await checks.verifyPassword(organization: organization, user: user, password: password, ip: ip) {
        case .throttled: return .throttled
        case .failed: return .reject(nil)
        case .success(let user):
            if let (factor, code) = codeFactor {
                return try await verify(user: user, factor: factor, code: code, key: key, ip: ip)
            }
            return try await challenge(user: user, key: key, ip: ip)
        }
    }

    /// `/validate/triggerchallenge`: starts the challenge of the user's default factor without a password (the API
    /// key vouches for the caller).
    public func triggerChallenge(organization: Organization, username: String, key: APIKey, ip: String) async throws -> Outcome {
        guard let user = try await findUser(organization, username), !user.disabled, !user.isLocked(at: clock.now) else { return .reject(nil) }
        return try await challenge(user: user, key: key, ip: ip)
    }

    /// The number of digits the factor's codes have (`otplen` in answers), when it is a code factor usable now.
    public func codeLength(of factor: Factor) async throws -> Int? {
        guard let method = checks.methods[factor.type] as? any CodeFactorMethod else { return nil }
        return try await FactorParametersError.refusing { try await method.codeLength(of: factor, context: checks.factorContext) } ?? nil
    }

    // MARK: Steps

    private func findUser(_ organization: Organization, _ username: String) async throws -> User? {
        try await repositories.users.find(organizationID: organization.id, typedUsername: username)
    }

    private func trailingCode(in pass: String, userID: String) async throws -> (Factor, String)? {
        let factors = try await repositories.factors.list(userID: userID).compactMap { factor in
            (checks.methods[factor.type] as? any TrailingCodeFactorMethod).flatMap { factor.confirmed ? (factor, $0) : nil }
        }
        for length in [8, 6] where pass.count > length {
            let code = String(pass.suffix(length))
            guard code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { continue }
            for (factor, method) in factors {
                // A factor whose stored parameters cannot be read matches nothing (its sign-in audits why).
                let matches = try await FactorParametersError.refusing { try await method.matchesNow(code, factor: factor, context: checks.factorContext) }
                if matches == true { return (factor, code) }
            }
        }
        return nil
    }

    /// The password was right: a transaction for the user's default code factor (one a user can type into any client), with a code sent when it
    /// is an SMS or email factor.
    private func challenge(user: User, key: APIKey, ip: String) async throws -> Outcome {
        let factors = try await checks.confirmedFactors(userID: user.id).filter { checks.methods[$0.type] is any CodeFactorMethod }
        guard let factor = checks.defaultFactor(among: factors), let organization = try await repositories.organizations.find(id: user.organizationID) else {
            try await checks.audit.record(.signInFailed, organizationID: user.organizationID, userID: user.id, actor: .apiClient(key.id), reason: "no_usable_factor",
                                          detail: .signIn(.init(stage: .verificationAPI, apiKeyID: key.id)))
            return .reject(nil)
        }
        var sent = false
        if let method = checks.methods[factor.type] as? any MessageCodeFactor {
            let inbound = method.acceptsInboundReplies && organization.policy.inboundSMSActive
            switch try await messageCodes.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip, inbound: inbound) {
            case .sent: sent = true
            case .coolingDown: break  // the code sent moments ago is still good
            case .refused: return .reject(nil)
            }
        }
        let now = clock.now
        let transaction = VerificationTransaction(id: VerificationTransaction.newID(random: checks.factorContext.random), userID: user.id,
                                                  organizationID: user.organizationID, factorID: factor.id, apiKeyID: key.id,
                                                  createdAt: now, expiresAt: now.addingTimeInterval(VerificationTransaction.lifetime))
        try await repositories.transactions.insert(transaction)
        return .challenge(transaction, factor, sent: sent)
    }

    /// The second leg: the code for an open transaction of this user and key. The transaction, its user and factor
    /// are read in one query; the transaction is taken (single use, one conditional DELETE) only once the code was right.
    private func answer(organization: Organization, username: String, code: String, transactionID: String, key: APIKey, ip: String) async throws -> Outcome {
        guard transactionID.count == 20, let (transaction, user, factor) = try await repositories.transactions.findWithParticipants(id: transactionID),
              transaction.expiresAt > clock.now, transaction.apiKeyID == key.id, transaction.organizationID == organization.id,
              user.organizationID == organization.id, user.username == User.normalize(username: username) else { return .reject(nil) }
        switch try await verify(user: user, factor: factor, code: code, key: key, ip: ip) {
        case .accept(let user, let factor):
            guard try await repositories.transactions.take(id: transaction.id, at: clock.now) else { return .reject(factor) }  // used by a racing request meanwhile
            return .accept(user, factor)
        case .reject: return .reject(factor)
        case let outcome: return outcome
        }
    }

    private func verify(user: User, factor: Factor, code: String, key: APIKey, ip: String) async throws -> Outcome {
        guard code.count <= 64 else { return .reject(nil) }
        let amr = ["pwd", checks.methods[factor.type]?.amr ?? "otp", "mfa"]
        let signedIn = AuditLog.Entry(.signInSucceeded, organizationID: user.organizationID, userID: user.id, actor: .apiClient(key.id),
                                      ip: ip, detail: .signIn(.init(amr: amr, apiKeyID: key.id)))
        switch try await checks.verifyFactor(user: user, factor: factor, response: .code(code), ip: ip, alsoOnSuccess: [signedIn]) {
        case .accepted(let factor): return .accept(user, factor)
        case .rejected, .locked: return .reject(nil)
        }
    }
}
