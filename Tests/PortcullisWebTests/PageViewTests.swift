import Foundation
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

@Suite("Pages: one layout, the CSRF field in every form, typed notices")
struct PageViewTests {
    /// `page` is one whole document from the layout, and each of its forms posts the page's CSRF token.
    static func expectDocument(_ page: Browser.Page, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let html = page.body
        for part in ["<!doctype html>", "<html lang=\"en\">", "<head>", "<title>", "<header class=\"top\">", "<main id=\"main\">", "</main>", "</html>"] {
            #expect(html.components(separatedBy: part).count == 2, "\(path): \(part) once", sourceLocation: sourceLocation)
        }
        #expect(html.contains("<h1"), "\(path): a heading", sourceLocation: sourceLocation)
        let forms = allMatches("(?s)(<form .*?</form>)", in: html)
        #expect(forms.count == html.components(separatedBy: "<form ").count - 1, sourceLocation: sourceLocation)
        guard !forms.isEmpty else { return }
        let token = Browser.csrfField(in: html) ?? ""
        #expect(token.count == 43, "\(path): a token", sourceLocation: sourceLocation)
        // A search form reads (GET, `role="search"`); every other form changes something (POST) and carries the token.
        for form in forms where !form.contains("method=\"get\"") || !form.contains("role=\"search\"") {
            #expect(form.contains("method=\"post\""), "\(path): \(form.prefix(80))", sourceLocation: sourceLocation)
            #expect(form.components(separatedBy: "<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">").count == 2,
                    "\(path): \(form.prefix(80))", sourceLocation: sourceLocation)
        }
    }

    /// Whether `page` shows a notice or an error above its content.
    static func message(_ page: Browser.Page) -> String? {
        firstMatch("<p id=\"(?:notice|error)\" class=\"message [a-z]+\" role=\"[a-z]+\">([^<]*)</p>", in: page.body)
    }

    @Test("Every page is one document from the layout; every form on it carries the CSRF token")
    func layoutAndCSRF() async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db)
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            _ = try await test.app.administration.createUser(organization: organization, username: "boss", displayName: "Boss",
                                                             password: "boss's long password", isAdmin: true, actor: .cli)
            try await test.run { browser in
                func visit(_ path: String) async throws -> Browser.Page {
                    let page = try await browser.get(path)
                    Self.expectDocument(page, path)
                    return page
                }
                let login = try await visit("/login")
                #expect(!login.body.contains("id=\"sign-out-nav\""), "no account navigation before sign-in")
                _ = try await browser.post("/login", ["username": "boss", "password": "boss's long password"])
                _ = try await visit("/login/enroll")
                _ = try await browser.post("/login/enroll/skip", [:])
                let portal = try await visit("/portal")
                #expect(portal.body.contains("id=\"sign-out-nav\"") && portal.body.contains("id=\"admin-nav\""))
                #expect(portal.body.contains("You have 0 sign-in methods besides backup codes"))
                _ = try await visit("/settings")
                _ = try await visit("/enroll/totp")
                let (_, _, codesPage) = try await SettingsTests.addApp(browser, clock: test.clock, label: "Phone")
                #expect(codesPage.contains("id=\"backup-codes\""))
                Self.expectDocument(Browser.Page(status: .ok, headers: [:], body: codesPage), "/backup-codes")
                for path in ["/settings", "/enroll/sms", "/enroll/email", "/enroll/webauthn", "/enroll/pattern",
                             "/admin/tokens", "/admin/users", "/admin/users/new", "/admin/groups", "/admin/policy", "/dev/outbox", "/nowhere"] {
                    _ = try await visit(path)
                }
                #expect(try await browser.get("/portal").body.contains("You have 1 sign-in method besides backup codes"))
                // The challenge and the list of methods, at sign-in.
                _ = try await browser.post("/logout", [:])
                _ = try await visit("/login")
                _ = try await browser.post("/login", ["username": "boss", "password": "boss's long password"])
                let challenge = try await visit("/login/challenge")
                #expect(challenge.body.contains("name=\"factor_id\"") && !challenge.body.contains("id=\"sign-out-nav\""))
                _ = try await visit("/login/methods")
            }
        }
    }

    @Test("A notice in the address shows its words on the pages that accept it; an unknown one shows nothing")
    func notices() async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db)
            let (_, secret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                #expect(Self.message(try await browser.get("/login?notice=signed_out")) == "You have signed out.")
                let locked = try await browser.get("/login?notice=locked")
                #expect(locked.body.contains("id=\"error\"") && Self.message(locked)?.contains("your account is locked for") == true)
                for unknown in ["nonsense", "renamed", "", "%3Cb%3E"] {
                    #expect(Self.message(try await browser.get("/login?notice=\(unknown)")) == nil, "\(unknown)")
                }
                try await AdminSignIn.signIn(browser, test, secret: secret)
                #expect(Self.message(try await browser.get("/settings?notice=renamed")) == "Renamed.")
                let failed = try await browser.get("/settings?notice=rename_failed")
                #expect(failed.body.contains("id=\"error\"") && Self.message(failed) == "Give the method a name of 1 to 64 characters.")
                #expect(Self.message(try await browser.get("/settings?notice=signed_out")) == nil, "another page's notice")
                #expect(Self.message(try await browser.get("/settings?notice=remove_confirm_nothing")) == nil)
                #expect(Self.message(try await browser.get("/admin/tokens?notice=1")) == "Imported 1 token.")
                #expect(Self.message(try await browser.get("/admin/tokens?notice=3")) == "Imported 3 tokens.")
                #expect(Self.message(try await browser.get("/admin/tokens?notice=%3Cb%3E")) == nil)
            }
        }
    }

    @Test("Every notice a redirect carries has a code its page finds it by; a flash keeps its words and kind")
    func codes() {
        for accepted in [Notice.signInPage(lockMinutes: 15), Notice.settingsPage, Notice.tokenPage] {
            #expect(Set(accepted.compactMap(\.code)).count == accepted.count, "one code per notice")
            for notice in accepted { #expect(Notice.find(notice.code, among: accepted) == notice) }
            #expect(Notice.find("unknown", among: accepted) == nil)
            #expect(Notice.find(nil, among: accepted) == nil)
        }
        #expect(Notice.renamed.location("/settings") == "/settings?notice=renamed")
        #expect(Notice.imported(count: 2).location("/admin/tokens") == "/admin/tokens?notice=2")
        #expect(Notice.tokenListPage("2") == .imported(count: 2) && Notice.tokenListPage("-1") == nil && Notice.tokenListPage("02") == nil)
        #expect(Notice.answerRejected.location("/settings") == "/settings", "a flash-only notice has no code")
        #expect(Flash(.answerRejected) == Flash(error: "That didn't work. Check it and try again."))
        #expect(Flash(.codeSent(to: "+1 ••• 67"), values: ["a": "b"]) == Flash(notice: "We sent a code to +1 ••• 67.", values: ["a": "b"]))
    }
}
