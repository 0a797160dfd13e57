import Foundation
import Hummingbird
import OpenAPIRuntime
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore

/// The admin REST API (SPEC §4.5) at `/api/v1`, implementing the protocol generated from `openapi.yaml`
/// (`PortcullisAdminAPI`). Each operation only translates: its input into one call on a domain service of the
/// composition root, the outcome into its output; refusals are thrown and `AdminAPIMiddleware` answers them as problem
/// documents. One file per resource (`AdminAPI+Users.swift`, `AdminAPI+Tokens.swift`, …).
struct AdminAPI: APIProtocol {
    let app: Portcullis

    /// Mounts every operation of the document at its server URL (`/api/v1`) on `router`, in a route group with its own
    /// context behind the key check.
    static func register(app: Portcullis, on router: Router<AppRequestContext>) throws {
        let group = router.group(context: AdminAPIRequestContext.self).add(middleware: AdminAPIMiddleware(keys: app.apiKeys))
        let routes = AdminAPIRoutes(group: group)
        let serverURL = try Servers.Server1.url()
        // Compact JSON, sorted keys; times read in any RFC 3339 form.
        let configuration = Configuration(dateTranscoder: AdminAPIDates(), jsonEncodingOptions: [.sortedKeys])
        try AdminAPI(app: app).registerHandlers(on: routes, serverURL: serverURL, configuration: configuration)
        routes.complete(prefix: serverURL.path)
    }

    /// The key this request authenticated with (set by `AdminAPIMiddleware`).
    var caller: AdminAPICaller {
        get throws {
            guard let caller = AdminAPICaller.current else { throw AdminAPIProblem.unauthenticated }
            return caller
        }
    }

    /// Ids in paths and bodies follow the document's `ID` pattern; anything else names nothing.
    static func isID(_ value: String) -> Bool {
        (1...64).contains(value.utf8.count) && value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        }
    }

    /// The user of this id, when the caller sees it (404 otherwise, as for one that does not exist), found through
    /// `UserAdministration` with the caller's scope.
    func visibleUser(_ id: String, _ caller: AdminAPICaller) async throws -> User {
        guard Self.isID(id) else { throw UserAdministration.UserAdministrationError.notFound }
        return try await app.users.user(id: id, scope: caller.scope)
    }

    /// The group of this id, when the caller sees it (404 otherwise), through `GroupAdministration`.
    func visibleGroup(_ id: String, _ caller: AdminAPICaller) async throws -> Group {
        guard Self.isID(id) else { throw GroupAdministration.GroupError.notFound }
        return try await app.groups.group(id: id, scope: caller.scope)
    }

    /// The hardware token of this id, when the caller sees it (an organization key never sees the spare pool).
    func visibleToken(_ id: String, _ caller: AdminAPICaller) async throws -> HardwareToken {
        guard Self.isID(id), let token = try await app.inventory.token(id: id), caller.sees(organizationID: token.organizationID) else {
            throw AdminAPIProblem.notFound
        }
        return token
    }
}
