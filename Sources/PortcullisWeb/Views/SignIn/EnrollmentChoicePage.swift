/// The choice of a first second factor during sign-in (`enroll`), with "Skip for now" unless the organization
/// requires one.
struct EnrollmentChoicePage: PageView {
    static let template = "enroll"
    let title = "Set up two-step verification"
    /// Whether the organization requires a second factor (no skipping).
    let required: Bool
    /// The methods that may be a first factor, from the presenters.
    let options: [AddOption]
}
