import Foundation
import PortcullisCore
import SQLKit

/// Verification API transactions; taking one is a single conditional `DELETE … RETURNING`, so it works once across
/// nodes.
struct SQLVerificationRepository: VerificationTransactionRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "user_id", "organization_id", "factor_id", "api_key_id", "created_at", "expires_at"]

    func insert(_ t: VerificationTransaction) async throws {
        try await db.sql.insert(into: "verification_transactions").columns(Self.columns)
            .values(SQLBind(t.id), SQLBind(t.userID), SQLBind(t.organizationID), SQLBind(t.factorID), SQLBind(t.apiKeyID),
                    SQLBind(t.createdAt.millis), SQLBind(t.expiresAt.millis))
            .run()
    }

    func find(id: String) async throws -> VerificationTransaction? {
        try await db.sql.select().columns(Self.columns).from("verification_transactions").where("id", .equal, id).first().map(Self.decode)
    }

    /// One joined SELECT instead of three; each table's columns come back under a prefix (`t_`, `u_`, `f_`).
    func findWithParticipants(id: String) async throws -> (transaction: VerificationTransaction, user: User, factor: Factor)? {
        guard let row = try await db.sql.raw("""
            SELECT \(unsafeRaw: Self.joinedColumns) FROM verification_transactions t
            JOIN users u ON u.id = t.user_id
            JOIN factors f ON f.id = t.factor_id AND f.user_id = t.user_id
            WHERE t.id = \(bind: id)
            """).first() else { return nil }
        return (try Self.decode(PrefixedRow(row: row, prefix: "t_")), try SQLUserRepository.decode(PrefixedRow(row: row, prefix: "u_")),
                try SQLFactorRepository.decode(PrefixedRow(row: row, prefix: "f_")))
    }

    private static let joinedColumns = [("t", columns), ("u", SQLUserRepository.columns), ("f", SQLFactorRepository.columns)]
        .flatMap { table, columns in columns.map { "\(table).\($0) AS \(table)_\($0)" } }.joined(separator: ", ")

    static func decode(_ row: any SQLRow) throws -> VerificationTransaction {
        VerificationTransaction(id: try row.string("id"), userID: try row.string("user_id"), organizationID: try row.string("organization_id"),
                                factorID: try row.string("factor_id"), apiKeyID: try row.string("api_key_id"),
                                createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"))
    }

    func take(id: String, at now: Date) async throws -> Bool {
        try await db.sql.raw("""
            DELETE FROM verification_transactions WHERE id = \(bind: id) AND expires_at > \(bind: now.millis) RETURNING id
            """).first() != nil
    }

    func deleteExpired(before: Date) async throws {
        try await db.sql.delete(from: "verification_transactions").where("expires_at", .lessThan, before.millis).run()
    }
}
