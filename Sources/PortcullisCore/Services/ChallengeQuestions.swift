import Foundation
import PortcullisCrypto

/// Challenge questions (SPEC §5): off by default; where an organization turns them on, users pick the policy's number
/// of questions from its list (or write their own, by policy) and answer them in settings. Answers are normalized
/// (Unicode NFKC, case, spaces) and stored as Argon2id hashes; they only ever count beside a factor in reset and
/// unlock (`AccountRecovery`), never alone and never at sign-in.
public struct ChallengeQuestions: Sendable {
    let repositories: Repositories
    let context: FactorContext
    let audit: AuditLog

    public init(repositories: Repositories, context: FactorContext, audit: AuditLog) {
        self.repositories = repositories
        self.context = context
        self.audit = audit
    }

    /// How an answer is compared: NFKC, lowercased, runs of spaces as one, trimmed.
    public static func normalize(_ answer: String) -> String {
        PasswordText.normalized(answer).lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The questions a user answered (their text only).
    public func questions(of user: User) async throws -> [String] {
        try await repositories.challengeAnswers.list(userID: user.id).map(\.question)
    }

    /// Why a set of answers was refused.
    public enum Problem: String, DomainError, Equatable, CaseIterable {
        case turnedOff = "questions.turned_off"
        case wrongCount = "questions.wrong_count"
        /// A question not on the organization's list, while users may not write their own; or one repeated.
        case unknownQuestion = "questions.unknown_question"
        /// An answer of fewer than 3 characters (after normalizing), or over 200.
        case answerLength = "questions.answer_length"
        /// Two questions with the same answer.
        case sameAnswer = "questions.same_answer"

        public var code: String { rawValue }
        public var kind: ErrorKind { .invalid }
    }

    /// Replaces the user's questions and answers (`pairs`: question, answer). The caller made sure the session
    /// answered a second factor recently (a security change).
    public func save(user: User, pairs: [(question: String, answer: String)], ip: String) async throws {
        let policy = try await context.forOrganization(id: user.organizationID).policy.challengeQuestions
        guard policy.enabled else { throw Problem.turnedOff }
        guard pairs.count == policy.count else { throw Problem.wrongCount }
        let questions = pairs.map { $0.question.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard Set(questions.map { $0.lowercased() }).count == questions.count,
              questions.allSatisfy({ (5...200).contains($0.count) && !$0.contains(where: \.isNewline)
                  && (policy.allowCustom || policy.questions.contains($0)) }) else { throw Problem.unknownQuestion }
        let answers = pairs.map { Self.normalize($0.answer) }
        guard answers.allSatisfy({ (3...200).contains($0.count) }) else { throw Problem.answerLength }
        guard Set(answers).count == answers.count else { throw Problem.sameAnswer }
        var stored: [ChallengeAnswer] = []
        for (index, (question, answer)) in zip(questions, answers).enumerated() {
            stored.append(ChallengeAnswer(position: index, question: question, answerHash: try await context.hasher.hash(answer)))
        }
        try await repositories.challengeAnswers.replace(userID: user.id, with: stored, at: context.clock.now)
        try await audit.record(.challengeQuestionsSet, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), ip: ip)
    }

    /// Whether every answer matches its question's, in order (each checked, so the time does not tell which failed).
    public func verify(user: User, answers: [String]) async throws -> Bool {
        let stored = try await repositories.challengeAnswers.list(userID: user.id)
        guard !stored.isEmpty else { return false }
        var allRight = answers.count == stored.count
        for (index, answer) in stored.enumerated() {
            let given = index < answers.count ? Self.normalize(answers[index]) : ""
            let right = try await context.hasher.verify(given, against: answer.answerHash)
            allRight = allRight && right
        }
        return allRight
    }
}
