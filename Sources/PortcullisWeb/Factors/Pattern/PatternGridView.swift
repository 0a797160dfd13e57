/// A drawing grid of `size`×`size` dots (the `factors/pattern/grid` partial), whose dot numbers go into the form field `field`.
struct PatternGridView: Sendable {
    let size: Int
    let field: String
    /// The grid's legend.
    let label: String
    let dots: [Dot]
    /// The highest dot number.
    let maxDots: Int

    /// A dot: its number (1 to size², left to right, top to bottom), row and column.
    struct Dot: Sendable {
        let number: Int
        let row: Int
        let column: Int
    }

    init(size: Int, field: String, label: String) {
        self.size = size
        self.field = field
        self.label = label
        self.dots = (1...(size * size)).map { Dot(number: $0, row: ($0 - 1) / size + 1, column: ($0 - 1) % size + 1) }
        self.maxDots = size * size
    }
}
