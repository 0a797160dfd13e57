/// `{"error": …}`: why an endpoint a page script calls refused (the script shows it).
struct ScriptErrorJSON: Encodable, Sendable {
    let error: String
}
