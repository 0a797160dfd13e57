import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestKit
import PortcullisTestSupport
import SQLKit
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

/// A software authenticator (`soft_authenticator.py`: soft-webauthn's device, plus EdDSA and RS256 keys) run by the
/// project's venv Python; it answers Portcullis's options the way the page script would after a browser ceremony.
struct SoftAuthenticator {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let python = directory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".venv/bin/python")
    static let origin = "http://localhost:8080"

    let state = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-authenticator-\(UUID().uuidString).json")
    var alg = "ES256"

    /// `create`: returns the challenge ID and the credential JSON to submit.
    func create(_ options: String, _ flags: [String] = []) throws -> (challengeID: String, credential: String) {
        try run("create", options, ["--alg", alg] + flags, member: "credential")
    }

    /// `get`: returns the challenge ID and the assertion JSON to submit.
    func get(_ options: String, _ flags: [String] = []) throws -> (challengeID: String, assertion: String) {
        try run("get", options, flags, member: "assertion")
    }

    private func run(_ command: String, _ options: String, _ flags: [String], member: String) throws -> (String, String) {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            throw SetupError(message: "\(Self.python.path) is missing: run `make deps-test` (soft-webauthn, fido2)")
        }
        let process = Process()
        process.executableURL = Self.python
        process.arguments = [Self.directory.appendingPathComponent("soft_authenticator.py").path, command, state.path,
                             "--origin", Self.origin] + flags
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(options.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let challengeID = object["challengeId"] as? String, let inner = object[member] else {
            throw SetupError(message: "soft_authenticator.py \(command) failed: \(String(decoding: problems, as: UTF8.self))")
        }
        return (challengeID, String(decoding: try JSONSerialization.data(withJSONObject: inner), as: UTF8.self))
    }

    struct SetupError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// The options JSON an endpoint answered, parsed.
func jsonObject(_ page: Browser.Page) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(page.body.utf8))
    return try #require(object as? [String: Any], "not JSON: \(page.body)")
}
