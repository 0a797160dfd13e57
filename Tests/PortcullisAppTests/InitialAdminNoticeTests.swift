import Foundation
import Testing
@testable import PortcullisApp

@Suite("Initial administrator notice")
struct InitialAdminNoticeTests {
    let notice = InitialAdminNotice(username: "admin", password: "s3cretPassw0rdXYZabc", signInURL: "https://mfa.example.com/login")

    @Test("On a terminal it is shown; otherwise it goes to initial-admin.txt in the data directory")
    func destination() throws {
        #expect(InitialAdminNotice.destination(outputIsTerminal: true, dataDirectory: "/var/lib/portcullis") == .terminal)
        #expect(InitialAdminNotice.destination(outputIsTerminal: false, dataDirectory: "/var/lib/portcullis")
                == .file(path: "/var/lib/portcullis/initial-admin.txt"))
        // The data directory itself (the SQLite database's, or data/ with PostgreSQL): ConfigurationTests.dataDirectory.
    }

    @Test("The file is the owner's only (0600), replaces an older one, and leaves nothing else behind")
    func file() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pc-notice-\(UUID().uuidString)/data")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let path = folder.appendingPathComponent(InitialAdminNotice.fileName).path
        try InitialAdminNotice(username: "old", password: "old password here", signInURL: "x").write(toFile: path)
        try notice.write(toFile: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("username: admin\n") && text.contains("password: s3cretPassw0rdXYZabc\n"))
        #expect(text.contains("https://mfa.example.com/login") && !text.contains("old password"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [InitialAdminNotice.fileName])
        #expect(!"\(notice)".contains(notice.password) && !String(reflecting: notice).contains(notice.password))
    }
}
