import PortcullisCore

/// One factor in the list of methods: its kind and its (masked) name.
struct MethodChoiceView: Sendable {
    let id: String
    let type: String
    let typeName: String
    let label: String

    init(_ factor: Factor, methods: FactorMethods, presenters: FactorPresenters) {
        self.id = factor.id
        self.type = factor.type.rawValue
        self.typeName = methods[factor.type]?.displayName ?? factor.type.rawValue
        self.label = presenters.maskedLabel(factor)
    }
}
