import Foundation
import PortcullisCore
import Testing
@testable import PortcullisApp

@Suite("Configuration")
struct ConfigurationTests {
    @Test("Refuses to run without a key outside development mode, saying how to make one")
    func missingKey() throws {
        let configuration = try Configuration.load(environment: ["PORTCULLIS_DATABASE_URL": "/tmp/x.sqlite"], directory: "/nonexistent")
        #expect(throws: ConfigurationError.missingKey) { try configuration.secretBox() }
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
        let stored = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("dev.key").path)
        #expect((stored[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("File values, overridden by the environment; bad values are refused")
    func fileAndEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pc-\(UUID().uuidString).conf")
        defer { try? FileManager.default.removeItem(at: file) }
        try "# comment\nPORTCULLIS_PORT=9000\nPORTCULLIS_LOCKOUT_THRESHOLD = 7\nPORTCULLIS_BASE_URL=\"https://mfa.example.com/\"\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let configuration = try Configuration.load(environment: ["PORTCULLIS_CONFIG": file.path, "PORTCULLIS_PORT": "9100"], directory: "/nonexistent")
        #expect(configuration.server.port == 9100)
        #expect(configuration.policy.lockoutThreshold == 7)
        #expect(configuration.server.baseURL == "https://mfa.example.com")
        #expect(configuration.policy.webAuthnOrigin == "https://mfa.example.com")
        #expect(configuration.server.secureCookies)
        #expect(throws: ConfigurationError.self) { try Configuration.load(environment: ["PORTCULLIS_ARGON2_MEMORY_KIB": "1024"], directory: "/nonexistent") }
        #expect(throws: ConfigurationError.self) { try Configuration.load(environment: ["PORTCULLIS_BASE_URL": "ftp://x"], directory: "/nonexistent") }
        #expect(try !Configuration.load(environment: ["PORTCULLIS_DEV": "1"], directory: "/nonexistent").server.secureCookies)
    }

    @Test("An unreadable PORTCULLIS_CONFIG file is one error naming the file")
    func unreadableFile() throws {
        #expect(throws: ConfigurationError.unreadableFile("/nonexistent/portcullis.conf")) {
            try Configuration.load(environment: ["PORTCULLIS_CONFIG": "/nonexistent/portcullis.conf"], directory: "/nonexistent")
        }
        #expect("\(ConfigurationError.unreadableFile("/x.conf"))" == "cannot read the configuration file /x.conf")
    }

    @Test("Without PORTCULLIS_CONFIG, portcullis.conf in the working directory is read; the environment still wins")
    func defaultFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pc-default-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "PORTCULLIS_DEV=1\nPORTCULLIS_PORT=9000\n".write(to: folder.appendingPathComponent(Configuration.defaultFile), atomically: true, encoding: .utf8)
        let configuration = try Configuration.load(environment: ["PORTCULLIS_PORT": "9100"], directory: folder.path)
        #expect(configuration.server.development && configuration.server.port == 9100)
        #expect(try !Configuration.load(environment: [:], directory: "/nonexistent").server.development)
    }

    @Test("The data directory (initial-admin.txt, dev.key) is the SQLite database's, or data/ with PostgreSQL")
    func dataDirectory() throws {
        let sqlite = try Configuration.load(environment: ["PORTCULLIS_DATABASE_URL": "/srv/db/portcullis.sqlite"], directory: "/nonexistent")
        #expect(sqlite.storage.dataDirectory == "/srv/db")
        let postgres = try Configuration.load(environment: ["PORTCULLIS_DATABASE_URL": "postgres://u:p@db:5432/portcullis"], directory: "/nonexistent")
        #expect(postgres.storage.dataDirectory == FileManager.default.currentDirectoryPath + "/data")
    }

    @Test("The description, debug description, mirror and dump never show a key, a database password or a provider secret")
    func redactedDescription() throws {
        let key = "q0Zl3Ui1Tz7k5mJx2bY8cV4nW6pR9sA1dF3gH5jK7L0="
        let environment = [
            "PORTCULLIS_KEY": key, "PORTCULLIS_PREVIOUS_KEYS": "older-key-material-AAAA",
            "PORTCULLIS_DATABASE_URL": "postgres://portcullis:db-password-42@db:5432/portcullis",
            "PORTCULLIS_SMTP_HOST": "smtp.example.com", "PORTCULLIS_SMTP_FROM": "mfa@example.com",
            "PORTCULLIS_SMTP_USERNAME": "mailer", "PORTCULLIS_SMTP_PASSWORD": "hunter2-smtp",
            "PORTCULLIS_SMS_PROVIDER": "twilio", "PORTCULLIS_TWILIO_ACCOUNT_SID": "AC123",
            "PORTCULLIS_TWILIO_AUTH_TOKEN": "twilio-token-9f", "PORTCULLIS_TWILIO_FROM": "+15017122661",
        ]
        let configuration = try Configuration.load(environment: environment, directory: "/nonexistent")
        #expect(configuration.keys.key == key && configuration.smtp?.password == "hunter2-smtp")
        let parts: [Any] = [configuration, configuration.keys, configuration.storage, configuration.webhooks,
                            configuration.sms as Any, configuration.smtp as Any]
        for part in parts {
            var dumped = ""
            dump(part, to: &dumped)
            for text in [String(describing: part), String(reflecting: part), dumped] {
                for secret in [key, "older-key-material", "db-password-42", "hunter2-smtp", "twilio-token-9f"] {
                    #expect(!text.contains(secret), "\(text)")
                }
            }
        }
        #expect("\(configuration)" == "Configuration(database: postgres, baseURL: http://localhost:8080, development: false)")
    }
}
