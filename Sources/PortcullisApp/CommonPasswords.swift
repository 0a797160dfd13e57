import Foundation
import PortcullisCore

extension PasswordBlocklist {
    /// The list shipped with the product (`PasswordBlocklist/common-passwords.txt`; its sources and licences are in
    /// `SOURCE.md` beside it), read once per process.
    public static let shipped: PasswordBlocklist = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt", subdirectory: "PasswordBlocklist"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            // A build without its resources is broken; refusing every password would lock everyone out, so the
            // checker goes on with its other rules and the readiness check says so (`isReady`).
            return .empty
        }
        return PasswordBlocklist(text: text)
    }()
}
