import Foundation
import PortcullisCore

/// The initial administrator's generated password, handed over once without ever reaching a log: shown on the terminal
/// when `portcullis serve` writes to one, otherwise (a service manager, a container, a pipe, where output is logged)
/// written to an owner-only file in the data directory, whose path alone is logged.
public struct InitialAdminNotice: Sendable {
    public let username: String
    public let password: String
    /// Where to sign in (the base URL's `/login`).
    public let signInURL: String

    /// The file's name in the data directory.
    public static let fileName = "initial-admin.txt"

    public init(username: String, password: String, signInURL: String) {
        self.username = username
        self.password = password
        self.signInURL = signInURL
    }

    public enum Destination: Equatable, Sendable {
        case terminal
        case file(path: String)
    }

    /// The terminal when standard output is one, otherwise `initial-admin.txt` in `dataDirectory`.
    public static func destination(outputIsTerminal: Bool, dataDirectory: String) -> Destination {
        outputIsTerminal ? .terminal : .file(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path)
    }

    /// What the file holds.
    public var text: String {
        """
        Portcullis: initial administrator
        username: \(username)
        password: \(password)
        Sign in at \(signInURL) and set up two-step verification.
        This password is shown only once; delete this notice once you have signed in.

        """
    }

    /// Writes `text` to `path`, readable by the owner only (0600): a new file made with `O_EXCL` next to it, then
    /// renamed over any older notice, so the password is never in a file anyone else can open, even for a moment.
    public func write(toFile path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let temporary = path + ".\(UUID().uuidString).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw NoticeError(path: temporary, errno: errno) }
        var failure: Int32 = 0
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count, failure == 0 {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if count < 0 { if errno != EINTR { failure = errno } } else { written += count }
        }
        if failure == 0, fchmod(fd, 0o600) != 0 || fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw NoticeError(path: path, errno: failure)
        }
    }

    /// The notice file could not be written.
    public struct NoticeError: DomainError {
        public let path: String
        public let errno: Int32
        public var code: String { "notice.unwritable" }
        public var kind: ErrorKind { .misconfigured }
        public var arguments: [String: String] { ["path": path, "reason": String(cString: strerror(errno))] }
    }
}

extension InitialAdminNotice: CustomStringConvertible, CustomReflectable {
    /// Never prints the password, whoever logs this value.
    public var description: String { "InitialAdminNotice(username: \(username))" }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
