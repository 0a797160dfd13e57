import Foundation

/// What one page hands the next across a redirect (Post/Redirect/Get): a notice or an error, the values a form had,
/// and one-time secrets to show once (new backup codes). Kept sealed in the session row, read once.
public struct Flash: Codable, Sendable, Equatable {
    public var notice: String?
    public var error: String?
    /// A form's entered values, to fill it in again after an error (never passwords or codes).
    public var values: [String: String]
    /// Backup codes just issued, shown once on the next page.
    public var backupCodes: [String]?
    /// Where the page after this one goes ("Continue").
    public var next: String?
    /// A secret to show once on the next page: a password an administrator generated, or a new API key.
    public var temporaryPassword: String?

    public init(notice: String? = nil, error: String? = nil, values: [String: String] = [:], backupCodes: [String]? = nil, next: String? = nil) {
        self.notice = notice
        self.error = error
        self.values = values
        self.backupCodes = backupCodes
        self.next = next
    }
}
