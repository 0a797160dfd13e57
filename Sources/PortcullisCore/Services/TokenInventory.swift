import Foundation

/// The hardware token inventory (SPEC §4.3): import, assign, lend, unassign, resync, disable, and the return of lent
/// tokens when they fall due. Assigning a token gives its holder an `hotp` factor pointing at it.
public struct TokenInventory: Sendable {
    let context: FactorContext
    let audit: AuditLog

    public init(context: FactorContext, audit: AuditLog) {
        self.context = context
        self.audit = audit
    }

    var repositories: Repositories { context.repositories }

    public enum InventoryError: Error, Equatable, CustomStringConvertible {
        case importFailed([TokenImportProblem])
        case duplicateSerial(String)
        case notFound(String)
        case notAvailable(String)
        case wrongOrganization(String)
        case notHeld(String)

        public var description: String {
            switch self {
            case .importFailed(let problems): "nothing imported:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
            case .duplicateSerial(let serial): "nothing imported: a token with serial \(serial) is already in the inventory"
            case .notFound(let serial): "no token \(serial)"
            case .notAvailable(let serial): "token \(serial) is not in the inventory (assigned, lent or disabled)"
            case .wrongOrganization(let serial): "token \(serial) belongs to another organization"
            case .notHeld(let serial): "token \(serial) is not assigned or lent"
            }
        }
    }

    /// Imports parsed tokens into an organization's inventory (or the spare pool with nil), all or nothing, with the
    /// seeds sealed at rest.
    @discardableResult
    public func importTokens(_ parsed: Result<[ImportedToken], TokenImportFailure>, organizationID: String?, actor: String, source: String) async throws -> [HardwareToken] {
        let imported: [ImportedToken]
        switch parsed {
        case .success(let tokens): imported = tokens
        case .failure(let failure): throw InventoryError.importFailed(failure.problems)
        }
        for token in imported where try await repositories.tokens.find(serial: token.serial) != nil {
            throw InventoryError.duplicateSerial(token.serial)
        }
        let now = context.clock.now
        let tokens = try imported.map { item in
            let id = context.random.identifier()
            let sealed = try context.secrets.seal(item.seed, context: "token:\(id)")
            return HardwareToken(id: id, organizationID: organizationID, serial: item.serial, sealedSeed: sealed,
                                 algorithm: item.algorithm, digits: item.digits, counter: Int64(item.counter), createdAt: now)
        }
        do {
            try await repositories.tokens.insert(tokens)
        } catch RepositoryError.conflict(let serial) {
            throw InventoryError.duplicateSerial(serial)
        }
        try await audit.record(.tokensImported, organizationID: organizationID, userID: nil, actor: actor,
                               detail: ["count": String(tokens.count), "source": source])
        return tokens
    }

    public func token(serial: String) async throws -> HardwareToken {
        guard let token = try await repositories.tokens.find(serial: serial) else { throw InventoryError.notFound(serial) }
        return token
    }

    /// Assigns a token for good, or lends it until `until`. Organization tokens go to their own users; spare-pool
    /// tokens to anyone's.
    @discardableResult
    public func assign(_ token: HardwareToken, to user: User, until: Date?, actor: String) async throws -> Factor {
        if let organizationID = token.organizationID, organizationID != user.organizationID {
            throw InventoryError.wrongOrganization(token.serial)
        }
        guard try await repositories.tokens.assign(id: token.id, userID: user.id, until: until) else {
            throw InventoryError.notAvailable(token.serial)
        }
        let hasDefault = try await repositories.factors.list(userID: user.id).contains { $0.confirmed && $0.isDefault }
        let factor = Factor(id: context.random.identifier(), userID: user.id, type: .hotp, label: "Token \(token.serial)",
                            parameters: ["token_id": token.id, "serial": token.serial], confirmed: true,
                            isDefault: !hasDefault, createdAt: context.clock.now)
        try await repositories.factors.insert(factor)
        var detail = ["serial": token.serial, "factor_id": factor.id]
        if let until { detail["until"] = ISO8601DateFormatter().string(from: until) }
        try await audit.record(until == nil ? .tokenAssigned : .tokenLent, organizationID: user.organizationID, userID: user.id,
                               actor: actor, detail: detail)
        return factor
    }

    /// Takes a token back from its holder: their factor for it is removed and the token is unassigned.
    public func unassign(_ token: HardwareToken, actor: String, event: AuditEventType = .tokenUnassigned) async throws {
        guard let userID = token.userID, token.state == .assigned || token.state == .lent else { throw InventoryError.notHeld(token.serial) }
        try await removeFactors(of: token, userID: userID)
        try await repositories.tokens.unassign(id: token.id)
        let user = try await repositories.users.find(id: userID)
        try await audit.record(event, organizationID: user?.organizationID ?? token.organizationID, userID: userID, actor: actor,
                               detail: ["serial": token.serial])
    }

    /// Returns lent tokens that fell due (all, or one user's), so they stop working and go back to the pool.
    @discardableResult
    public func returnDueLoans(userID: String? = nil) async throws -> Int {
        let due = try await repositories.tokens.dueLoans(at: context.clock.now, userID: userID)
        for token in due { try await unassign(token, actor: "system", event: .tokenReturned) }
        return due.count
    }

    public func setDisabled(_ token: HardwareToken, _ disabled: Bool, actor: String) async throws {
        if disabled, token.userID != nil { try await unassign(token, actor: actor) }
        try await repositories.tokens.setDisabled(id: token.id, disabled)
        try await audit.record(disabled ? .tokenDisabled : .tokenEnabled, organizationID: token.organizationID, userID: nil,
                               actor: actor, detail: ["serial": token.serial])
    }

    /// Resynchronizes with two consecutive codes; the outcome is audited either way.
    public func resync(_ token: HardwareToken, first: String, second: String, actor: String) async throws -> Bool {
        let matched = try await HOTPFactor.resync(token: token, first: first, second: second, context: context)
        try await audit.record(matched ? .tokenResynced : .tokenResyncFailed, organizationID: token.organizationID,
                               userID: token.userID, actor: actor, detail: ["serial": token.serial])
        return matched
    }

    /// The end of the day `date` falls in, in a time zone: the default due time of a loan.
    public static func endOfDay(_ date: Date, in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: date)
        return calendar.date(byAdding: .day, value: 1, to: start) ?? date.addingTimeInterval(86400)
    }

    private func removeFactors(of token: HardwareToken, userID: String) async throws {
        let factors = try await repositories.factors.list(userID: userID)
        for factor in factors where factor.type == .hotp && factor.parameters["token_id"] == token.id {
            try await repositories.factors.delete(id: factor.id, userID: userID)
            if factor.isDefault, let next = factors.first(where: { $0.id != factor.id && $0.confirmed && $0.type != .backupCodes }) {
                try await repositories.factors.setDefault(id: next.id, userID: userID)
            }
        }
    }
}
