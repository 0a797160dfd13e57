import Foundation
import PortcullisCore
import SQLKit

/// Recoveries in progress (`recovery_requests`): each change is one conditional statement on a live request.
struct SQLRecoveryRepository: RecoveryRepository {
    let db: PortcullisDatabase

    func insert(_ r: RecoveryRequest) async throws {
        try await db.sql.insert(into: "recovery_requests")
            .columns("id", "organization_id", "user_id", "purpose", "proven", "questions_answered", "failures", "decoy", "created_at", "expires_at")
            .values(SQLBind(r.id), SQLBind(r.organizationID), SQLBind(r.userID), SQLBind(r.purpose.rawValue),
                    SQLBind(r.provenFactorIDs.joined(separator: ",")), SQLBind(r.questionsAnswered ? 1 : 0), SQLBind(r.failures), SQLBind(r.decoy),
                    SQLBind(r.createdAt.millis), SQLBind(r.expiresAt.millis))
            .run()
    }

    func find(id: String) async throws -> RecoveryRequest? {
        guard let row = try await db.sql.select().column("*").from("recovery_requests").where("id", .equal, id).first() else { return nil }
        let proven = try row.decode(column: "proven", as: String.self)
        return RecoveryRequest(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            userID: try row.decode(column: "user_id", as: String?.self),
            purpose: RecoveryPurpose(rawValue: try row.decode(column: "purpose", as: String.self)) ?? .reset,
            provenFactorIDs: proven.split(separator: ",").map(String.init), questionsAnswered: try row.bool("questions_answered"),
            failures: try row.decode(column: "failures", as: Int.self), decoy: try row.decode(column: "decoy", as: String?.self), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), completedAt: try row.optionalDate("completed_at"))
    }

    func addProof(id: String, factorID: String, now: Date) async throws -> Bool {
        // Factor ids are generated identifiers (no commas); the list gains one only if it does not hold it yet.
        let row = try await db.sql.raw("""
            UPDATE recovery_requests
            SET proven = CASE WHEN proven = '' THEN \(bind: factorID) ELSE proven || ',' || \(bind: factorID) END
            WHERE id = \(bind: id) AND completed_at IS NULL AND expires_at > \(bind: now.millis)
              AND (',' || proven || ',') NOT LIKE \(bind: "%," + factorID + ",%")
            RETURNING id
            """).first()
        return row != nil
    }

    func setQuestionsAnswered(id: String) async throws {
        try await db.sql.update("recovery_requests").set("questions_answered", to: 1).where("id", .equal, id).run()
    }

    func countFailure(id: String, limit: Int, now: Date) async throws -> Int? {
        let row = try await db.sql.raw("""
            UPDATE recovery_requests SET failures = failures + 1
            WHERE id = \(bind: id) AND failures < \(bind: limit) AND completed_at IS NULL AND expires_at > \(bind: now.millis)
            RETURNING failures
            """).first()
        return try row?.decode(column: "failures", as: Int.self)
    }

    func complete(id: String, now: Date) async throws -> Bool {
        let row = try await db.sql.raw("""
            UPDATE recovery_requests SET completed_at = \(bind: now.millis)
            WHERE id = \(bind: id) AND completed_at IS NULL AND expires_at > \(bind: now.millis)
            RETURNING id
            """).first()
        return row != nil
    }

    func deleteExpired(before: Date) async throws {
        try await db.sql.delete(from: "recovery_requests").where("expires_at", .lessThan, before.millis).run()
    }
}

/// Users' challenge questions (`challenge_answers`), replaced as a whole in one transaction.
struct SQLChallengeAnswerRepository: ChallengeAnswerRepository {
    let db: PortcullisDatabase

    func list(userID: String) async throws -> [ChallengeAnswer] {
        try await db.sql.select().columns("position", "question", "answer_hash").from("challenge_answers")
            .where("user_id", .equal, userID).orderBy("position").all().map { row in
                ChallengeAnswer(position: try row.decode(column: "position", as: Int.self), question: try row.decode(column: "question", as: String.self),
                                answerHash: try row.decode(column: "answer_hash", as: String.self))
            }
    }

    func replace(userID: String, with answers: [ChallengeAnswer], at: Date) async throws {
        try await db.transaction { sql in
            try await sql.delete(from: "challenge_answers").where("user_id", .equal, userID).run()
            guard !answers.isEmpty else { return }
            var insert = sql.insert(into: "challenge_answers").columns("user_id", "position", "question", "answer_hash", "created_at")
            for answer in answers {
                insert = insert.values(SQLBind(userID), SQLBind(answer.position), SQLBind(answer.question), SQLBind(answer.answerHash),
                                       SQLBind(at.millis))
            }
            try await insert.run()
        }
    }
}
