import Foundation
import PortcullisCore
import Testing

/// The password rules (SPEC §5, NIST SP 800-63B-4): lengths by MFA requirement in code points, the blocklist in any
/// case or width, context words, repetitive and sequential runs, the weaker class rule, and the strength estimate.
@Suite("Password policy checks")
struct PasswordCheckerTests {
    let checker = PasswordChecker(blocklist: PasswordBlocklist(["password1", "qwertyuiop", "iloveyou", "correcthorse"]))
    let policy = PasswordPolicy()
    let organization = Organization(id: "o", slug: "acme", name: "Acme Legal", createdAt: Date())

    func problem(_ password: String, mfa: Bool = true, policy: PasswordPolicy? = nil, username: String = "alice") -> PasswordProblem? {
        let words = PasswordChecker.contextWords(username: username, displayName: "Alice Example", email: "alice.w@lawfirm.example",
                                                 organization: organization)
        return checker.check(password, policy: policy ?? self.policy, mfaRequired: mfa, contextWords: words).problem
    }

    @Test("Defaults: 8 characters with MFA, 15 without, at least 64 accepted, no composition rule")
    func lengths() {
        #expect(problem("sunlit k", mfa: true) == nil)
        #expect(problem("sunlit", mfa: true) == .tooShort)
        #expect(problem("sunlit k", mfa: false) == .tooShort, "without a second factor the password must be longer")
        #expect(problem("sunlit kettle drum", mfa: false) == nil)
        #expect(problem(String(repeating: "river stone ", count: 5) + "moss", mfa: false) == nil, "64 characters")
        #expect(problem(String(repeating: "xq", count: 65)) == .tooLong, "over the default 128")
        #expect(problem("all lowercase letters here", mfa: false) == nil, "no classes needed by default")
        // Eight characters counted in code points: four decomposed é are eight code points before NFKC, four after.
        #expect(problem("e\u{0301}e\u{0301}e\u{0301}e\u{0301}zk") == .tooShort)
        #expect(problem("line\nbreak in it") == .controlCharacters)
    }

    @Test("The blocklist holds in any case, width, and with spaces around")
    func blocklist() {
        for candidate in ["password1", "PassWord1", "ＰＡＳＳＷＯＲＤ１", " password1 ", "QwertyUiop"] {
            #expect(problem(candidate) == .blocklisted, "\(candidate)")
        }
        #expect(checker.check("password1", policy: policy, mfaRequired: true).blocklisted)
        #expect(!checker.check("password12", policy: policy, mfaRequired: true).blocklisted)
    }

    @Test("Context words: a password built on the username, name, email or organization is refused; a long one holding one passes")
    func context() {
        #expect(problem("alice2024!") == .context)
        #expect(problem("Example99") == .context, "the display name")
        #expect(problem("acmelegal1") == .context, "the organization's name")
        #expect(problem("lawfirm 2024") == nil, "the email's domain is not a context word")
        #expect(problem("correct alice staple battery") == nil, "a passphrase that happens to hold the name")
    }

    @Test("Repeated and sequential runs are refused")
    func repetitive() {
        for candidate in ["aaaaaaaaaa", "12345678", "abcdefghij", "zyxwvuts12", "abcabcabc", "121212121212"] {
            #expect(problem(candidate) == .repetitive, "\(candidate)")
        }
        #expect(problem("granite 1234 willow") == nil, "a short run inside a longer password")
    }

    @Test("Character classes and expiry are off by default; turned on they apply")
    func weakerRules() {
        var strict = policy
        strict.characterClasses = 3
        #expect(problem("only lowercase words", policy: strict) == .characterClasses)
        #expect(problem("Mixed Case 7 words", policy: strict) == nil)
        #expect(policy.expiry(changedAt: Date()) == nil)
        strict.maximumAgeDays = 90
        let changed = Date(timeIntervalSince1970: 1_000_000)
        #expect(strict.expiry(changedAt: changed) == changed.addingTimeInterval(90 * 86_400))
    }

    @Test("Strength grows with length and variety, from 0 to 4; a listed password scores at most 1")
    func strength() {
        func score(_ p: String) -> Int { checker.check(p, policy: policy, mfaRequired: true).strength }
        #expect(score("") == 0)
        #expect(score("abc") <= 1)
        #expect(score("password1") <= 1)
        #expect(score("kettle maple") <= 3)
        #expect(score("kettle maple orbit lantern") == 4)
        #expect(score("aaaaaaaaaaaaaaaaaaaa") < score("qhtzmwkxplrbvnds"), "runs count less")
    }
}
