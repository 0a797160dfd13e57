import Foundation
import PortcullisCrypto

/// A memorized grid pattern (SPEC §3): dots joined on a square grid (3×3 by default, up to 5×5), at least 4, none
/// twice. Stored as an Argon2id hash (itself sealed at rest); recorded as a knowledge factor, so password + pattern is
/// not multi-factor (SPEC §3.1), and backup-only unless policy lets it be the default.
public struct PatternFactor: FactorMethod {
    /// RFC 8176: "pin" covers a PIN or pattern the user enters.
    public let descriptor: FactorDescriptor

    public init(canBeDefault: Bool = false) {
        descriptor = FactorDescriptor(type: .pattern, strength: .knowledge, amr: "pin", displayName: "Grid pattern", backupOnly: !canBeDefault)
    }

    public static let minimumDots = 4
    public static let gridSizes = 3...5

    /// Why a drawn pattern cannot be used (worded through the error catalog).
    public enum PatternProblem: String, DomainError, Equatable, CaseIterable {
        case tooShort = "pattern_too_short"
        case repeatedDot = "pattern_repeated_dot"
        case outOfGrid = "pattern_out_of_grid"
        case mismatch = "pattern_mismatch"

        public var code: String { rawValue.replacingOccurrences(of: "pattern_", with: "pattern.") }
        public var kind: ErrorKind { .invalid }
        public var arguments: [String: String] { ["minimum": String(PatternFactor.minimumDots)] }
    }

    /// The dots of a pattern as typed or drawn: dot numbers 1…size², separated by anything that is not a digit
    /// ("1-5-9-6", "1 5 9 6"). Checks length, repeats and the grid.
    public static func parse(_ input: String, gridSize: Int) -> Result<[Int], PatternProblem> {
        let dots = input.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard dots.allSatisfy({ (1...(gridSize * gridSize)).contains($0) }) else { return .failure(.outOfGrid) }
        guard Set(dots).count == dots.count else { return .failure(.repeatedDot) }
        guard dots.count >= minimumDots else { return .failure(.tooShort) }
        return .success(dots)
    }

    /// What is hashed: the grid size and the dots in order.
    static func canonical(_ dots: [Int], gridSize: Int) -> String {
        "grid\(gridSize):" + dots.map(String.init).joined(separator: "-")
    }

    /// Enrolls a pattern drawn twice: a confirmed factor holding its sealed hash, not stored yet (it is stored by
    /// `EnrollmentCompletion`).
    public func enroll(userID: String, pattern: String, confirmation: String, gridSize: Int, label: String?,
                       context: FactorContext) async throws -> Result<Factor, PatternProblem> {
        guard Self.gridSizes.contains(gridSize) else { return .failure(.outOfGrid) }
        let dots: [Int]
        switch Self.parse(pattern, gridSize: gridSize) {
        case .success(let parsed): dots = parsed
        case .failure(let problem): return .failure(problem)
        }
        guard case .success(let again) = Self.parse(confirmation, gridSize: gridSize), again == dots else { return .failure(.mismatch) }
        let phc = try await context.hasher.hash(Self.canonical(dots, gridSize: gridSize))
        var factor = Factor(id: context.random.identifier(), userID: userID, type: type, label: label ?? "Grid pattern",
                            confirmed: true, createdAt: context.clock.now)
        try factor.setParameters(PatternParameters(grid: gridSize))
        factor.sealedSecret = try context.secrets.seal(Array(phc.utf8), context: factor.secretContext)
        return .success(factor)
    }

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        guard let typed = response.typedText else { return .rejected(reason: FactorCheck.wrongResponse) }
        let gridSize = try factor.parameters(as: PatternParameters.self).grid
        guard let sealed = factor.sealedSecret else { return .rejected(reason: "no_pattern") }
        let phc = String(decoding: try context.secrets.open(sealed, context: factor.secretContext), as: UTF8.self)
        // A malformed pattern still costs one hash, like a wrong one.
        let candidate: String
        switch Self.parse(typed, gridSize: gridSize) {
        case .success(let dots): candidate = Self.canonical(dots, gridSize: gridSize)
        case .failure: candidate = "invalid"
        }
        guard try await context.hasher.verify(candidate, against: phc) else { return .rejected(reason: "bad_pattern") }
        try await context.factors.markUsed(id: factor.id, at: context.clock.now)
        return .accepted
    }
}

/// The grid a pattern was drawn on.
public struct PatternParameters: FactorParameters, Equatable {
    public var grid: Int

    public init(grid: Int) { self.grid = grid }

    enum CodingKeys: String, CodingKey { case grid }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        grid = c.contains(.grid) ? try c.decode(Int.self, forKey: .grid, in: PatternFactor.gridSizes) : 3
    }
}
