import Foundation
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import Testing

@Suite("SMS and email codes: lifetime, tries, single use, resend, send limits, inbound — on SQLite and PostgreSQL")
struct MessageCodeTests {
    let ip = "192.0.2.20"

    /// A user with a confirmed SMS factor (enrolled through a code).
    func enrolledSMS(_ s: TestServices) async throws -> (Organization, User, Factor) {
        let (organization, user) = try await s.makeUser()
        let factor = try await SMSFactor().beginEnrollment(userID: user.id, destination: "+15005550006", label: "Phone", context: s.context)
        guard case .sent = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .enrollment, ip: ip) else {
            throw TestError.notSent
        }
        let code = try #require(s.sent.last?.code)
        guard case .confirmed(let confirmed, _) = try await s.factors.confirm(userID: user.id, factorID: factor.id,
                                                                            response: FactorResponse.code(code), label: nil, ip: ip) else {
            throw TestError.notConfirmed
        }
        s.clock.advance(by: 60)
        return (organization, user, confirmed)
    }

    enum TestError: Error { case notSent, notConfirmed }

    func check(_ s: TestServices, _ user: User, _ factor: Factor, _ code: String, inbound: Bool = false) async throws -> SignInService.FactorOutcome {
        try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id, response: inbound ? .inboundConfirmation : .code(code), ip: ip)
    }

    @Test("A code works once, for 5 minutes, with at most 5 tries", arguments: TestDatabase.engines)
    func codeRules(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, factor) = try await enrolledSMS(s)
            #expect(s.sent.last?.destination == "+15005550006" && s.sent.last?.code.count == 6)
            #expect(try await check(s, user, factor, s.sent.last!.code) == .rejected, "the enrollment code is spent")

            _ = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip)
            let code = try #require(s.sent.last?.code)
            #expect(try await check(s, user, factor, code).isAccepted)
            #expect(try await check(s, user, factor, code) == .rejected, "single use")

            // Expiry.
            s.clock.advance(by: 60)
            _ = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip)
            let late = try #require(s.sent.last?.code)
            s.clock.advance(by: 5 * 60 + 1)
            #expect(try await check(s, user, factor, late) == .rejected)

            // Five tries per code: the right code after four wrong ones still fails if it is the sixth try.
            let (_, bob) = try await s.makeUser("bob")
            let bobFactor = try await SMSFactor().beginEnrollment(userID: bob.id, destination: "+15005550007", label: "Phone", context: s.context)
            _ = try await s.messages.send(factor: bobFactor, user: bob, organization: organization, purpose: .enrollment, ip: ip)
            let bobCode = try #require(s.sent.last?.code)
            let wrong = bobCode == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                #expect(try await SMSFactor().verify(FactorResponse.code(wrong), factor: bobFactor, context: s.context) == .rejected(reason: "bad_code"))
            }
            #expect(try await SMSFactor().verify(FactorResponse.code(bobCode), factor: bobFactor, context: s.context) == .rejected(reason: "too_many_tries"))
        }
    }

    @Test("Resend waits out the cooldown, replaces the code, and never resets the failure count", arguments: TestDatabase.engines)
    func resend(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, factor) = try await enrolledSMS(s)
            _ = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip)
            let first = try #require(s.sent.last?.code)
            let wrong = first == "000000" ? "111111" : "000000"
            for _ in 0..<3 { #expect(try await check(s, user, factor, wrong) == .rejected) }
            s.clock.advance(by: 10)
            #expect(try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip) == .coolingDown(seconds: 20))
            s.clock.advance(by: 20)
            guard case .sent = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip) else {
                Issue.record("not sent"); return
            }
            let second = try #require(s.sent.last?.code)
            let other = second == "000000" ? "111111" : "000000"
            #expect(try await check(s, user, factor, first == second ? other : first) == .rejected, "the old code is void")
            #expect(try await s.repositories.users.find(id: user.id)?.failedFactorAttempts == 4, "resend does not reset the count")
            guard case .locked = try await check(s, user, factor, other) else { Issue.record("not locked after 5 failures"); return }
        }
    }

    @Test("Send limits per user, per number, per IP and per organization hold", arguments: TestDatabase.engines)
    func sendLimits(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            var policy = SecurityPolicy()
            policy.messageCodes.perUser = SendLimit(hour: 3, day: 4)
            policy.messageCodes.perDestination = SendLimit(hour: 100, day: 100)
            let s = try TestServices(database: db, policy: policy)
            s.clock.set(ISO8601DateFormatter().date(from: "2026-11-23T01:00:00Z")!)  // stay in one day
            let (organization, user, factor) = try await enrolledSMS(s)   // 1 send
            for _ in 0..<2 {
                s.clock.advance(by: 31)
                let outcome = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip)
                guard case .sent = outcome else { Issue.record("refused too early: \(outcome)"); return }
            }
            s.clock.advance(by: 31)
            guard case .refused(.limitReached) = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip) else {
                Issue.record("hourly limit not applied"); return
            }
            // The window slides: the previous hour counts by the share of it still inside the last 60 minutes (here almost
            // all of it, since the clock is just past the hour), so no second burst fits around the edge; two hours on, none.
            s.clock.advance(by: 3600)
            guard case .refused(.limitReached) = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip) else {
                Issue.record("the previous hour did not count"); return
            }
            s.clock.advance(by: 3600)
            guard case .sent = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip) else {
                Issue.record("next hours refused"); return
            }
            s.clock.advance(by: 3600)
            guard case .refused(.limitReached) = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip) else {
                Issue.record("daily limit not applied"); return
            }
            #expect(try await s.repositories.audit.list(organizationID: organization.id, userID: user.id, limit: 100)
                .contains { $0.type == .codeSendRefused && $0.reason == "user_limit" })
        }
    }

    @Test("A failing provider is reported plainly and stores no code", arguments: TestDatabase.engines)
    func providerDown(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, factor) = try await enrolledSMS(s)
            s.sent.fail(true)
            guard case .refused(.providerUnavailable) = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip) else {
                Issue.record("not reported"); return
            }
            #expect(try await s.repositories.audit.list(organizationID: organization.id, userID: user.id, limit: 50).contains { $0.type == .codeSendFailed })
        }
    }

    @Test("Inbound SMS confirms only from the user's own number", arguments: TestDatabase.engines)
    func inbound(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, factor) = try await enrolledSMS(s)
            guard case .sent(let challenge) = try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .signIn,
                                                                        ip: ip, inbound: true) else { Issue.record("not sent"); return }
            let inboundCode = try #require(challenge.inboundCode)
            #expect(try await check(s, user, factor, "", inbound: true) == .rejected, "not confirmed yet")
            #expect(try await !s.messages.confirmInbound(from: "+15005559999", body: inboundCode), "another phone")
            #expect(try await !s.messages.confirmInbound(from: "+15005550006", body: "123"), "not a code")
            #expect(try await s.messages.confirmInbound(from: "+15005550006", body: " \(inboundCode) "))
            #expect(try await check(s, user, factor, "", inbound: true).isAccepted)
            #expect(try await check(s, user, factor, "", inbound: true) == .rejected, "used once")
        }
    }

    @Test("Email addresses: shape checked, blocked domains refused", arguments: [
        ("Jane.Doe@Example.org", [String](), "jane.doe@example.org"),
        ("jane@mail.firm.com", ["firm.com"], nil),
        ("jane@firm.com", ["firm.com"], nil),
        ("jane@notfirm.com", ["firm.com"], "jane@notfirm.com"),
        ("no-at-sign", [], nil), ("a@b", [], nil), ("a..b@x.org", [], nil), ("a@-x.org", [], nil),
    ])
    func emailAddresses(input: String, blocked: [String], expected: String?) {
        switch EmailFactor.validate(input, blockedDomains: blocked) {
        case .success(let address): #expect(address == expected)
        case .failure: #expect(expected == nil)
        }
    }

    @Test("A factor removed while its code is being sent: a clear answer, nothing sent, send limits given back", arguments: TestDatabase.engines)
    func removedMeanwhile(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            let factor = try await SMSFactor().beginEnrollment(userID: user.id, destination: "+15005550006", label: "Phone", context: s.context)
            try await s.repositories.factors.delete(id: factor.id, userID: user.id)  // e.g. removed in another tab
            let before = s.sent.all.count
            #expect(try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .enrollment, ip: ip)
                    == .refused(.factorRemoved))
            #expect(s.sent.all.count == before)
            let used = try await s.repositories.rateLimits.used(key: "send:sms:user:\(user.id):h", window: 3600, now: s.clock.now)
            #expect(used < 0.5, "the reserved send slot was given back")
        }
    }
}
