import Foundation
@testable import PortcullisApp
@testable import PortcullisCore
import PortcullisCrypto
import Testing

/// Errors have stable codes and no words in the domain; the catalog words every one of them, once, for every front.
@Suite("Error catalog")
struct ErrorCatalogTests {
    /// One of each error the domain throws (every case of each type).
    static let domainErrors: [any DomainError] = {
        var errors: [any DomainError] = []
        let inventory: [TokenInventory.InventoryError] = [.importFailed([]), .duplicateSerial("T-1"), .notFound("T-1"), .notAvailable("T-1"),
                                                          .wrongOrganization("T-1"), .notHeld("T-1")]
        errors += inventory.map { $0 as any DomainError }
        let administration: [AccountAdministration.AdministrationError] = [
            .invalidSlug("A B"), .invalidUsername("a b"),
            .organizationNotFound("acme"), .userNotFound("bob"), .organizationExists("acme"), .userExists("bob"),
        ]
        errors += administration.map { $0 as any DomainError }
        let addresses: [EmailFactor.AddressProblem] = [.invalid, .blockedDomain("firm.example")]
        errors += addresses.map { $0 as any DomainError }
        let webAuthn: [WebAuthnRegistrationProblem] = [.expired, .unreadable, .notConfigured, .rejected("bad origin"), .alreadyRegistered]
        errors += webAuthn.map { $0 as any DomainError }
        let repository: [RepositoryError] = [.conflict("x"), .notFound]
        errors += repository.map { $0 as any DomainError }
        errors.append(FactorParametersError("digits"))
        errors.append(InitialAdminNotice.NoticeError(path: "/srv/x", errno: 13))
        errors.append(CodeDeliveryFailure(.providerUnavailable, detail: "HTTP 500"))
        errors += PatternFactor.PatternProblem.allCases.map { $0 as any DomainError }
        errors += CodeSendProblem.allCases.map { $0 as any DomainError }
        let users: [UserAdministration.UserAdministrationError] = [.notFound, .ownAccount, .invalidEmail, .invalidPhone]
        errors += users.map { $0 as any DomainError }
        let groups: [GroupAdministration.GroupError] = [.notFound, .invalidName, .nameTaken("Accounting"), .otherOrganization]
        errors += groups.map { $0 as any DomainError }
        let policy: [OrganizationPolicy.PolicyError] = [.noPossessionFactorType, .outOfRange(setting: "lockoutThreshold", minimum: 1, maximum: 100),
                                                        .unknownTimeZone("Mars/Base"), .invalidInboundNumber("123"), .invalidEmailDomain("x"),
                                                        .tooFewQuestions(needed: 3), .invalidQuestion("x")]
        errors += policy.map { $0 as any DomainError }
        errors.append(EnrollmentCompletion.Refusal.typeNotAllowed(.sms))
        errors += ChallengeQuestions.Problem.allCases.map { $0 as any DomainError }
        errors += PasswordProblem.allCases.map { PasswordRefusal(problem: $0, minimumLength: 15, maximumLength: 128, characterClasses: 3) as any DomainError }
        return errors
    }()

    @Test("Every domain error has a dotted, lowercase code and its own words in the catalog")
    func everyCodeIsWorded() {
        for error in Self.domainErrors {
            #expect(error.code.range(of: #"^[a-z]+(\.[a-z_]+)+$"#, options: .regularExpression) != nil, "\(error.code)")
            #expect(ErrorCatalog.knows(error.code), "no words for \(error.code)")
            let description = ErrorCatalog.describe(error)
            #expect(description?.code == error.code && description?.kind == error.kind)
            #expect(description.map { !$0.message.isEmpty && $0.message != ErrorCatalog.fallback(error.kind) } == true, "\(error.code): its own sentence")
        }
        // The codes the web front raises itself.
        for code in ["session.ended", "webauthn.unknown_credential", "passkey.unavailable", "server.busy"] {
            #expect(ErrorCatalog.knows(code), "no words for \(code)")
        }
    }

    @Test("A code means one thing: no two different errors share a code unless they are the same case")
    func codesAreDistinct() {
        var seen: [String: String] = [:]
        for error in Self.domainErrors where !(error is CodeDeliveryFailure) {  // it carries a CodeSendProblem's code
            let shape = "\(type(of: error)).\(String(describing: error).prefix { $0 != "(" })"
            if let earlier = seen[error.code], earlier != shape {
                Issue.record("\(error.code) is used by \(earlier) and \(shape)")
            }
            seen[error.code] = shape
        }
    }

    @Test("The words quote the error's values; the unknown and the leaf targets' errors are handled")
    func argumentsAreQuoted() {
        #expect(ErrorCatalog.describe(AccountAdministration.AdministrationError.userNotFound("bob"))?.message == "There is no user 'bob'.")
        #expect(ErrorCatalog.describe(TokenInventory.InventoryError.notHeld("T-9"))?.message.contains("T-9") == true)
        #expect(ErrorCatalog.describe(PatternFactor.PatternProblem.tooShort)?.message == "Join at least \(PatternFactor.minimumDots) dots.")
        #expect(ErrorCatalog.describe(SecretBoxError.badKey)?.kind == .misconfigured)
        let missingKey = ErrorCatalog.describe(ConfigurationError.missingKey)
        #expect(missingKey?.kind == .misconfigured && missingKey?.code == "configuration.missing_key")
        #expect(missingKey?.message.hasPrefix("PORTCULLIS_KEY is not set") == true)
        #expect(ErrorCatalog.describe(WorkLimiterError.overloaded)?.kind == .limited)
        struct Unexpected: Error {}
        #expect(ErrorCatalog.describe(Unexpected()) == nil)
        #expect(ErrorCatalog.describe(code: "no.such_code", kind: .conflict).message == ErrorCatalog.describe(code: "x.y", kind: .conflict).message)
    }
}
