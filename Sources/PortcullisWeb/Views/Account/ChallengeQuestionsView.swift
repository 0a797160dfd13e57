/// The settings page's challenge questions (shown only where the organization turned them on): the questions the
/// user answered, and a form to pick (or, by policy, write) the policy's number of questions and answer them.
struct ChallengeQuestionsView: Sendable {
    /// The questions answered now (their text; answers are never shown).
    let current: [String]
    let hasAnswers: Bool
    let allowCustom: Bool
    let slots: [Slot]

    /// One question to pick and answer.
    struct Slot: Sendable {
        let index: Int
        let number: Int
        let options: [OptionView]
    }

    init(current: [String], questions: [String], count: Int, allowCustom: Bool) {
        self.current = current
        self.hasAnswers = !current.isEmpty
        self.allowCustom = allowCustom
        slots = (0..<count).map { index in
            // Each field starts on a different question: the one answered before, else the list's next.
            let chosen = index < current.count ? current[index] : (index < questions.count ? questions[index] : questions.first ?? "")
            return Slot(index: index, number: index + 1, options: questions.map { OptionView(value: $0, label: $0, selected: $0 == chosen) })
        }
    }
}
