import Foundation

/// JSON `null` in a request body: the generated decoders read an optional member that is null as if it were absent,
/// so a body such as `{"role": null}` would pass where the document allows no null. Nulls are refused here, but for
/// the members the document declares nullable in request bodies.
enum AdminAPINulls {
    /// The request members whose schema allows null (`UserChange.email` and `.phone`, `PolicyChange.inboundSMSNumber`).
    static let nullable: Set<String> = ["email", "phone", "inboundSMSNumber"]

    /// Whether a JSON body holds a null the document does not allow (anywhere in it); false for anything else,
    /// which the generated code reads or refuses.
    static func refused(_ body: Data) -> Bool {
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return false }
        return holdsRefusedNull(value, key: nil)
    }

    private static func holdsRefusedNull(_ value: Any, key: String?) -> Bool {
        switch value {
        case is NSNull: return key.map { !nullable.contains($0) } ?? true
        case let object as [String: Any]: return object.contains { holdsRefusedNull($0.value, key: $0.key) }
        case let array as [Any]: return array.contains { holdsRefusedNull($0, key: nil) }
        default: return false
        }
    }
}
