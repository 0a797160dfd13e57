import Foundation
import PortcullisTokenImport

/// The hardware token inventory (SPEC §4.3): import, assign, lend, unassign, resync, disable, and the return of lent
/// tokens when they fall due. Assigning a token gives its holder an `hotp` factor pointing at it. Each change commits
/// with its audit event in one transaction.
public struct TokenInventory: Sendable {
    let context: FactorContext
    let audit: AuditLog
    let methods: FactorMethods
    /// Where an assignment ends, as every enrollment does (the default rule; no backup codes for an admin's action).
    let completion: EnrollmentCompletion

    public init(context: FactorContext, audit: AuditLog, methods: FactorMethods? = nil) {
        self.context = context
        self.audit = audit
        self.methods = methods ?? .forPolicy(context.policy)
        self.completion = EnrollmentCompletion(repositories: context.repositories, methods: self.methods, context: context, audit: audit)
    }

    var repositories: Repositories { context.repositories }

    /// Why an inventory action was refused; worded by each front through the error catalog.
    public enum InventoryError: DomainError, Equatable {
        case importFailed([TokenImportProblem])
        case duplicateSerial(String)
        case notFound(String)
        case notAvailable(String)
        case wrongOrganization(String)
        case notHeld(String)

        public var code: String {
            switch self {
            case .importFailed: "token.import_failed"
            case .duplicateSerial: "token.duplicate_serial"
            case .notFound: "token.not_found"
            case .notAvailable: "token.not_available"
            case .wrongOrganization: "token.wrong_organization"
            case .notHeld: "token.not_held"
            }
        }

        public var kind: ErrorKind {
            switch self {
            case .importFailed: .invalid
            case .notFound, .wrongOrganization: .notFound
            case .duplicateSerial, .notAvailable, .notHeld: .conflict
            }
        }

        public var arguments: [String: String] {
            switch self {
            case .importFailed(let problems): ["problems": problems.map(\.description).joined(separator: "\n")]
            case .duplicateSerial(let serial), .notFound(let serial), .notAvailable(let serial), .wrongOrganization(let serial),
                 .notHeld(let serial): ["serial": serial]
            }
        }
    }

    /// Imports parsed tokens into an organization's inventory (or the spare pool with nil), all or nothing, with the
    /// seeds sealed at rest.
    @discardableResult
    public func importTokens(_ parsed: Result<[ImportedToken], TokenImportFailure>, organizationID: String?, actor: AuditActor, source: String) async throws -> [HardwareToken] {
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
        try await repositories.atomically { [audit] r in
            do {
                try await r.tokens.insert(tokens)
            } catch RepositoryError.conflict(let serial) {
                throw InventoryError.duplicateSerial(serial)
            }
            try await audit.record(.tokensImported, organizationID: organizationID, userID: nil, actor: actor,
                                   detail: .tokensImported(count: tokens.count, source: source), in: r)
        }
        return tokens
    }

    public func token(serial: String) async throws -> HardwareToken {
        guard let token = try await repositories.tokens.find(serial: serial) else { throw InventoryError.notFound(serial) }
        return token
    }

    /// Assigns a token for good, or lends it until `until`. Organization tokens go to their own users; spare-pool
    /// tokens to anyone's.
    @discardableResult
    public func assign(_ token: HardwareToken, to user: User, until: Date?, actor: AuditActor) async throws -> Factor {
        if let organizationID = token.organizationID, organizationID != user.organizationID {
            throw InventoryError.wrongOrganization(token.serial)
        }
        let factor = try HOTPFactor.factor(for: token, user: user, context: context)
        let record = EnrollmentCompletion.Record(event: until == nil ? .tokenAssigned : .tokenLent, actor: actor, ip: nil,
                                                 detail: .token(serial: token.serial, factorID: factor.id, until: until))
        return try await completion.complete(factor, user: user, record: record) { r in
            guard try await r.tokens.assign(id: token.id, userID: user.id, until: until) else {
                throw InventoryError.notAvailable(token.serial)
            }
            try await r.factors.insert(factor)
        }.0
    }

    /// Takes a token back from its holder: their factor for it is removed (which forgets their remembered devices)
    /// and the token is unassigned.
    public func unassign(_ token: HardwareToken, actor: AuditActor, event: AuditEventType = .tokenUnassigned) async throws {
        guard let userID = token.userID, token.state == .assigned || token.state == .lent else { throw InventoryError.notHeld(token.serial) }
        try await repositories.atomically { [audit] r in
            let removed = try await removeFactors(of: token, userID: userID, in: r)
            try await r.tokens.unassign(id: token.id)
            let user = try await r.users.find(id: userID)
            try await audit.record(event, organizationID: user?.organizationID ?? token.organizationID, userID: userID, actor: actor,
                                   detail: .token(serial: token.serial), in: r)
            if removed, let user {
                try await RememberedDevices.revokeAll(userID: userID, organizationID: user.organizationID, reason: "factor_removed", actor: actor,
                                                      ip: nil, audit: audit, in: r)
            }
        }
    }

    /// Returns lent tokens that fell due (all, or one user's), so they stop working and go back to the pool.
    @discardableResult
    public func returnDueLoans(userID: String? = nil) async throws -> Int {
        let due = try await repositories.tokens.dueLoans(at: context.clock.now, userID: userID)
        for token in due { try await unassign(token, actor: .system, event: .tokenReturned) }
        return due.count
    }

    public func setDisabled(_ token: HardwareToken, _ disabled: Bool, actor: AuditActor) async throws {
        if disabled, token.userID != nil { try await unassign(token, actor: actor) }
        try await repositories.atomically { [audit] r in
            try await r.tokens.setDisabled(id: token.id, disabled)
            try await audit.record(disabled ? .tokenDisabled : .tokenEnabled, organizationID: token.organizationID, userID: nil,
                                   actor: actor, detail: .token(serial: token.serial), in: r)
        }
    }

    /// Resynchronizes with two consecutive codes; the outcome is audited either way.
    public func resync(_ token: HardwareToken, first: String, second: String, actor: AuditActor) async throws -> Bool {
        let matched = try await HOTPFactor.resync(token: token, first: first, second: second, context: context)
        try await audit.record(matched ? .tokenResynced : .tokenResyncFailed, organizationID: token.organizationID,
                               userID: token.userID, actor: actor, detail: .token(serial: token.serial))
        return matched
    }

    // MARK: Reading

    public func token(id: String) async throws -> HardwareToken? {
        try await repositories.tokens.find(id: id)
    }

    /// An organization's tokens (with the spare pool's too when `includingSpares`), each with its holder.
    public func tokens(organizationID: String?, includingSpares: Bool = false) async throws -> [(token: HardwareToken, holder: User?)] {
        var tokens = try await repositories.tokens.list(organizationID: organizationID)
        if includingSpares, organizationID != nil { tokens += try await repositories.tokens.list(organizationID: nil) }
        var holders: [String: User] = [:]
        for id in Set(tokens.compactMap(\.userID)) { holders[id] = try await repositories.users.find(id: id) }
        return tokens.map { ($0, $0.userID.flatMap { holders[$0] }) }
    }

    /// The token behind one of a user's `hotp` factors, when the user still holds it.
    public func heldToken(factorID: String, userID: String) async throws -> HardwareToken? {
        guard let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.type == HOTPFactor().type,
              let tokenID = try? factor.parameters(as: HOTPParameters.self).tokenID, let token = try await repositories.tokens.find(id: tokenID),
              token.userID == userID else { return nil }
        return token
    }

    /// The end of the day `date` falls in, in a time zone: the default due time of a loan.
    public static func endOfDay(_ date: Date, in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: date)
        return calendar.date(byAdding: .day, value: 1, to: start) ?? date.addingTimeInterval(86400)
    }

    /// Removes the factor that stands for `token`; when it was the default, the default passes on by the one rule.
    /// Returns whether a confirmed factor went.
    private func removeFactors(of token: HardwareToken, userID: String, in r: Repositories) async throws -> Bool {
        let factors = try await r.factors.list(userID: userID)
        let removing = factors.filter { HOTPFactor.stands(for: token, $0) }
        for factor in removing { try await r.factors.delete(id: factor.id, userID: userID) }
        if let next = methods.successor(afterRemoving: removing, from: factors) {
            try await r.factors.setDefault(id: next.id, userID: userID)
        }
        return removing.contains(where: \.confirmed)
    }
}
