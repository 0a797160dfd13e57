import Foundation

/// A memorized grid pattern (SPEC §3): dots joined on a square grid (3×3 by default, up to 5×5), at least 4, none
/// twice. Stored as an Argon2id hash (itself sealed at rest); recorded as a knowledge factor, so password + pattern is
/// not multi-factor (SPEC §3.1), and backup-only unless policy lets it be the default.
public struct PatternFactor: FactorMethod {
    public let type = FactorType.pattern
    public let strength = FactorStrength.knowledge
    /// RFC 8176: "pin" covers a PIN or pattern the user enters.
    public let amr = "pin"
    public let displayName = "Grid pattern"
    public let canBeDefault: Bool

    public init(canBeDefault: Bool = false) {
        self.canBeDefault = canBeDefault
    }

    public static let minimumDots = 4
    public static let gridSizes = 3...5

    public enum PatternProblem: Error, Equatable, CustomStringConvertible {
        case tooShort, repeatedDot, outOfGrid, mismatch

        public var description: String {
            switch self {
            case .tooShort: "Join at least \(PatternFactor.minimumDots) dots."
            case .repeatedDot: "Use each dot only once."
            case .outOfGrid: "That pattern does not fit the grid."
            case .mismatch: "The two patterns differ. Draw the same pattern twice."
            }
        }
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

    /// Enrolls a pattern drawn twice: a confirmed factor holding its sealed hash.
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
        var factor = Factor(id: context.random.identifier(), userID: userID, type: .pattern, label: label ?? "Grid pattern",
                            parameters: ["grid": String(gridSize)], confirmed: true, createdAt: context.clock.now)
        factor.sealedSecret = try context.secrets.seal(Array(phc.utf8), context: factor.secretContext)
        try await context.factors.insert(factor)
        return .success(factor)
    }

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        let gridSize = factor.parameters["grid"].flatMap(Int.init) ?? 3
        guard let sealed = factor.sealedSecret else { return .rejected(reason: "no_pattern") }
        let phc = String(decoding: try context.secrets.open(sealed, context: factor.secretContext), as: UTF8.self)
        // A malformed pattern still costs one hash, like a wrong one.
        let candidate: String
        switch Self.parse(response.fields["pattern"] ?? response.code, gridSize: gridSize) {
        case .success(let dots): candidate = Self.canonical(dots, gridSize: gridSize)
        case .failure: candidate = "invalid"
        }
        guard try await context.hasher.verify(candidate, against: phc) else { return .rejected(reason: "bad_pattern") }
        try await context.factors.markUsed(id: factor.id, at: context.clock.now)
        return .accepted
    }
}
