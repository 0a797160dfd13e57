import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

/// Each front maps a domain error once: the web answers a page whose status follows the error's kind and whose words
/// come from the catalog; JSON endpoints answer an RFC 9457 problem document.
@Suite("Error mapping per front")
struct ErrorMappingTests {
    @Test("A domain error a handler throws becomes a page: status by kind, the catalog's words, no 500")
    func pages() async throws {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ErrorPageMiddleware(pages: try await Pages()))
        let cases: [(String, any Error, HTTPResponse.Status, String)] = [
            ("/user", AccountAdministration.AdministrationError.userNotFound("bob"), .notFound, "There is no user &#39;bob&#39;."),
            ("/token", TokenInventory.InventoryError.notHeld("T-9"), .conflict, "Token T-9 is not assigned or lent."),
            ("/pattern", PatternFactor.PatternProblem.repeatedDot, .unprocessableContent, "Use each dot only once."),
            ("/code", CodeSendProblem.providerUnavailable, .serviceUnavailable, "The code could not be sent right now."),
            ("/stored", FactorParametersError("digits"), .internalServerError, "stored settings cannot be read"),
            ("/busy", WorkLimiterError.overloaded, .serviceUnavailable, "The server is busy right now."),
        ]
        for (path, error, _, _) in cases {
            router.get(RouterPath(path)) { _, _ -> Response in throw error }
        }
        try await Application(router: router).test(.router) { client in
            for (path, _, status, words) in cases {
                try await client.execute(uri: path, method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(response.status == status, "\(path)")
                    #expect(body.contains(words), "\(path): \(body.prefix(600))")
                    #expect(body.contains("<html lang=\"en\">"), "\(path): a page from the layout")
                }
            }
        }
    }

    @Test("A page script's endpoint answers an RFC 9457 problem document with a stable code")
    func problemDocuments() async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db)
            try await test.run { browser in
                _ = try await browser.get("/login")
                let ended = try await browser.post("/webauthn/register/options", [:])
                #expect(ended.status == .unauthorized)
                #expect(ended.headers[.contentType] == "application/problem+json")
                let problem = try JSONDecoder().decode(ProblemDocument.self, from: Data(ended.body.utf8))
                #expect(problem.code == "session.ended" && problem.status == 401 && problem.type == "urn:portcullis:error:session.ended")
                #expect(problem.detail == "Your session has ended. Sign in again.")
                let passkeys = try await browser.post("/webauthn/passkey/options", ["org": "no-such-org"])
                #expect(passkeys.status == .notFound)
                #expect(try JSONDecoder().decode(ProblemDocument.self, from: Data(passkeys.body.utf8)).code == "passkey.unavailable")
            }
        }
    }
}
