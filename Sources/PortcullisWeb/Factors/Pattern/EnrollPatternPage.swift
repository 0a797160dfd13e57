/// Enrolling a grid pattern (`enroll-pattern`): drawn twice.
struct EnrollPatternPage: PageView {
    static let template = "factors/pattern/enroll"
    let title = "Set up a grid pattern"
    /// The fewest dots a pattern joins.
    let minimum: Int
    let first: PatternGridView
    let second: PatternGridView
}
