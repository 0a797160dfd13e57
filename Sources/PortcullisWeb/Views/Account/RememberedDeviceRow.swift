import Foundation
import PortcullisCore

/// One remembered device in the settings list: its name, when it was remembered, last used and expires, the
/// approximate place (no location database is configured, so the address and "place unknown"), and whether it is
/// the browser looking at the page.
struct RememberedDeviceRow: Sendable {
    let id: String
    let name: String
    let created: String
    let lastUsed: String
    let expires: String
    let place: String
    let isCurrent: Bool

    init(_ listing: RememberedDevices.Listing) {
        let device = listing.device
        id = device.id
        name = device.name
        created = Factor.format(device.createdAt)
        lastUsed = device.lastUsedAt.map(Factor.format) ?? "not yet"
        expires = Factor.format(device.expiresAt)
        place = Self.place(ip: device.lastUsedIP ?? device.createdIP)
        isCurrent = listing.isCurrent
    }

    /// Where a device was, as far as its address tells without a location database.
    static func place(ip: String?) -> String {
        guard let ip, !ip.isEmpty, ip != "unknown" else { return "Unknown" }
        return "\(ip) (place unknown)"
    }
}
