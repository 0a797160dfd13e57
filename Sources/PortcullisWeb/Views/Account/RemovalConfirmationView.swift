/// The question asked before the last device for two-step verification is removed (its backups go with it).
struct RemovalConfirmationView: Sendable {
    /// The factor's id and name.
    let id: String
    let label: String
}
