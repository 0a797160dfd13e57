import Foundation

/// JSON `null` in a request body: the generated decoders read an optional member that is null as if it were absent,
/// so a body such as `{"role": null}` would pass where the document allows no null, and `{"email": null}` would
/// silently change nothing. The document allows null in no request body (an empty string removes an email address,
/// a phone number or the inbound SMS number), so every null is refused here.
enum AdminAPINulls {
    /// Whether a JSON body holds a null anywhere; false for anything else, which the generated code reads or refuses.
    static func refused(_ body: Data) -> Bool {
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return false }
        return holdsNull(value)
    }

    private static func holdsNull(_ value: Any) -> Bool {
        switch value {
        case is NSNull: return true
        case let object as [String: Any]: return object.values.contains(where: holdsNull)
        case let array as [Any]: return array.contains(where: holdsNull)
        default: return false
        }
    }
}
