import Foundation
import Testing
@testable import PortcullisCore

@Suite("Configuration")
struct ConfigurationTests {
    @Test("Refuses to run without a key outside development mode, saying how to make one")
    func missingKey() throws {
        let configuration = try Configuration.load(environment: ["PORTCULLIS_DATABASE_URL": "/tmp/x.sqlite"], directory: "/nonexistent")
        #expect(throws: Configuration.ConfigurationError.self) { try configuration.secretBox() }
        do { _ = try configuration.secretBox() } catch {
            #expect("\(error)".contains("portcullis key generate"))
        }
    }

    @Test("Development mode keeps a generated key next to the database")
    func developmentKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pc-config-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let env = ["PORTCULLIS_DEV": "1", "PORTCULLIS_DATABASE_URL": folder.appendingPathComponent("db.sqlite").path]
        let first = try Configuration.load(environment: env, directory: "/nonexistent").secretBox()
        let second = try Configuration.load(environment: env, directory: "/nonexistent").secretBox()
        #expect(first.current.id == second.current.id)
    }

    @Test("File values, overridden by the environment; bad values are refused")
    func fileAndEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pc-\(UUID().uuidString).conf")
        defer { try? FileManager.default.removeItem(at: file) }
        try "# comment\nPORTCULLIS_PORT=9000\nPORTCULLIS_LOCKOUT_THRESHOLD = 7\nPORTCULLIS_BASE_URL=\"https://mfa.example.com/\"\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let configuration = try Configuration.load(environment: ["PORTCULLIS_CONFIG": file.path, "PORTCULLIS_PORT": "9100"], directory: "/nonexistent")
        #expect(configuration.port == 9100)
        #expect(configuration.policy.lockoutThreshold == 7)
        #expect(configuration.baseURL == "https://mfa.example.com")
        #expect(configuration.secureCookies)
        #expect(throws: Configuration.ConfigurationError.self) { try Configuration.load(environment: ["PORTCULLIS_ARGON2_MEMORY_KIB": "1024"], directory: "/nonexistent") }
        #expect(throws: Configuration.ConfigurationError.self) { try Configuration.load(environment: ["PORTCULLIS_BASE_URL": "ftp://x"], directory: "/nonexistent") }
        #expect(try !Configuration.load(environment: ["PORTCULLIS_DEV": "1"], directory: "/nonexistent").secureCookies)
    }

    @Test("Without PORTCULLIS_CONFIG, portcullis.conf in the working directory is read; the environment still wins")
    func defaultFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pc-default-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "PORTCULLIS_DEV=1\nPORTCULLIS_PORT=9000\n".write(to: folder.appendingPathComponent(Configuration.defaultFile), atomically: true, encoding: .utf8)
        let configuration = try Configuration.load(environment: ["PORTCULLIS_PORT": "9100"], directory: folder.path)
        #expect(configuration.development && configuration.port == 9100)
        #expect(try !Configuration.load(environment: [:], directory: "/nonexistent").development)
    }
}
