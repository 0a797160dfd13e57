import Foundation

/// New backup codes, shown once (`backup-codes`), with print and download; "Continue" goes to `next`.
struct BackupCodesPage: PageView {
    static let template = "backup-codes"
    let title = "Your backup codes"
    let codes: [String]
    /// A `data:` address of the codes as a text file, for "Download".
    let downloadHref: String
    let next: String

    init(codes: [String], next: String) {
        self.codes = codes
        self.next = next
        let text = "Portcullis backup codes\nEach code works once.\n\n" + codes.joined(separator: "\n") + "\n"
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-")
        self.downloadHref = "data:text/plain;charset=utf-8," + (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }
}
