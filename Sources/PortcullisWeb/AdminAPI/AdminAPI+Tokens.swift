import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore
import PortcullisCrypto
import PortcullisTokenImport

/// Hardware tokens (SPEC §4.3) through `TokenInventory`: list, import, read, assign or lend, unassign, resync. An
/// organization key sees its organization's inventory only; the operator's spare pool needs an operator-wide key.
extension AdminAPI {
    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        let caller = try caller
        let query = input.query
        let paging = try AdminAPIPaging(limit: query.limit, cursor: query.cursor)
        try Self.check(query.serial, "serial", 0...64)
        let organizationID: String?
        if query.pool == true {
            try caller.requireOperatorWide()
            guard query.org == nil else { throw AdminAPIProblem.badParameter("org") }
            organizationID = nil
        } else {
            organizationID = try await caller.organization(named: query.org, directory: app.directory).id
        }
        let state = query.state.map(Self.tokenState)
        let tokens = try await app.inventory.tokens(organizationID: organizationID).map(\.token)
            .filter { token in state.map { token.state == $0 } ?? true }
            .filter { token in query.serial.map { token.serial == $0 } ?? true }
            .sorted { Self.newestFirst($1).lexicographicallyPrecedes(Self.newestFirst($0)) }
        let (page, next) = paging.page(tokens, key: Self.newestFirst, ascending: false)
        return .ok(.init(body: .json(.init(items: page.map(Self.tokenSchema), next: next))))
    }

    /// Tokens are listed newest first: by creation time (zero-padded, so the strings sort as the numbers), then id.
    static func newestFirst(_ token: HardwareToken) -> [String] {
        let millis = String(Int64(token.createdAt.timeIntervalSince1970 * 1000))
        return [String(repeating: "0", count: max(0, 16 - millis.count)) + millis, token.id]
    }

    func importTokens(_ input: Operations.ImportTokens.Input) async throws -> Operations.ImportTokens.Output {
        let caller = try caller
        guard case .json(let file) = input.body else { throw AdminAPIProblem.badRequest() }
        try Self.check(file.content, "content", 1...4_000_000)
        let organizationID: String?
        if file.pool == true {
            try caller.requireOperatorWide()
            organizationID = nil
        } else {
            organizationID = try await caller.organization(named: input.query.org, directory: app.directory).id
        }
        let parsed: Result<[ImportedToken], TokenImportFailure>
        switch file.format {
        case .csv:
            // A CSV file's seeds are in the clear: a pre-shared key has nothing to open.
            parsed = TokenImport.parseCSV(file.content)
        case .pskc:
            var key: [UInt8]?
            if let hex = file.preSharedKey {
                guard hex.utf8.count == 32, let bytes = Hex.decode(hex) else { throw AdminAPIProblem.badParameter("preSharedKey") }
                key = bytes
            }
            parsed = TokenImport.parsePSKC(Data(file.content.utf8), preSharedKey: key)
        }
        let tokens = try await app.inventory.importTokens(parsed, organizationID: organizationID, actor: caller.actor, source: file.format.rawValue)
        return .created(.init(body: .json(.init(items: tokens.map(Self.tokenSchema)))))
    }

    func getToken(_ input: Operations.GetToken.Input) async throws -> Operations.GetToken.Output {
        .ok(.init(body: .json(Self.tokenSchema(try await visibleToken(input.path.tokenId, try caller)))))
    }

    /// Assigns for good, or lends until `until` (a time to come); the user must be one the caller sees, and an
    /// organization's token goes to its own users only.
    func assignToken(_ input: Operations.AssignToken.Input) async throws -> Operations.AssignToken.Output {
        let caller = try caller
        guard case .json(let assignment) = input.body else { throw AdminAPIProblem.badRequest() }
        let token = try await visibleToken(input.path.tokenId, caller)
        let user = try await visibleUser(assignment.userId, caller)
        if let until = assignment.until, until <= app.clock.now { throw AdminAPIProblem.invalid("until") }
        try await app.inventory.assign(token, to: user, until: assignment.until, actor: caller.actor)
        return .ok(.init(body: .json(Self.tokenSchema(try await visibleToken(token.id, caller)))))
    }

    func unassignToken(_ input: Operations.UnassignToken.Input) async throws -> Operations.UnassignToken.Output {
        let caller = try caller
        let token = try await visibleToken(input.path.tokenId, caller)
        try await app.inventory.unassign(token, actor: caller.actor)
        return .ok(.init(body: .json(Self.tokenSchema(try await visibleToken(token.id, caller)))))
    }

    func resyncToken(_ input: Operations.ResyncToken.Input) async throws -> Operations.ResyncToken.Output {
        let caller = try caller
        guard case .json(let codes) = input.body else { throw AdminAPIProblem.badRequest() }
        for (name, code) in [("code1", codes.code1), ("code2", codes.code2)] where !Self.isCode(code) {
            throw AdminAPIProblem.badParameter(name)
        }
        let token = try await visibleToken(input.path.tokenId, caller)
        guard try await app.inventory.resync(token, first: codes.code1, second: codes.code2, actor: caller.actor) else {
            throw AdminAPIProblem.resyncFailed(serial: token.serial)
        }
        return .ok(.init(body: .json(Self.tokenSchema(try await visibleToken(token.id, caller)))))
    }

    /// 6 to 8 digits, as the document's pattern says.
    static func isCode(_ code: String) -> Bool {
        (6...8).contains(code.utf8.count) && code.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
