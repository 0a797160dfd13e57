import Foundation
import PortcullisCrypto

/// Common and breached passwords no one may choose (SPEC §5): the list shipped with the product
/// (`PortcullisApp/PasswordBlocklist/`, its source and licence in `SOURCE.md`). Entries and candidates are compared
/// NFKC-normalized, lowercased and trimmed, so "PassWord1" and its full-width form are the listed "password1".
public struct PasswordBlocklist: Sendable {
    private let entries: Set<String>

    /// `entries` as they are listed (normalized here).
    public init<S: Sequence>(_ entries: S) where S.Element == String {
        self.entries = Set(entries.lazy.map(Self.key).filter { !$0.isEmpty })
    }

    /// One password per line (UTF-8).
    public init(text: String) {
        self.init(text.split(whereSeparator: \.isNewline).lazy.map(String.init))
    }

    public static let empty = PasswordBlocklist([String]())

    public var count: Int { entries.count }

    public func contains(_ password: String) -> Bool {
        entries.contains(Self.key(password))
    }

    /// How a password is compared with the list: NFKC, lowercased, without surrounding spaces (" password " is
    /// still "password", as Django's validator also reads it).
    public static func key(_ password: String) -> String {
        PasswordText.normalized(password).lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
