import Foundation
import PortcullisCore
import PortcullisCrypto
import Testing
@testable import PortcullisApp

/// Each section read through `ConfigurationReader`: its defaults with nothing set, and a bad value giving one line
/// that names the variable.
@Suite("Configuration sections")
struct ConfigurationSectionTests {
    static let empty = ConfigurationReader([:])

    /// The error `body` throws, as the CLI prints it.
    func failure(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func expectOneLine(_ message: String, naming name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(message.contains(name), "\(message)", sourceLocation: sourceLocation)
        #expect(!message.contains("\n"), "\(message)", sourceLocation: sourceLocation)
    }

    @Test("The reader trims, treats empty as unset, and checks numbers, switches and choices")
    func reader() throws {
        let read = ConfigurationReader([
            "A": "  x ", "EMPTY": "", "PASSWORD": " p ", "N": "7", "B": "On", "C": "Required",
        ])
        #expect(read.string("A") == "x" && read.string("EMPTY") == nil && read.string("MISSING") == nil)
        #expect(read.raw("PASSWORD") == " p " && read.raw("EMPTY") == nil)
        #expect(try read.int("N", 1...10) == 7 && read.int("MISSING", 1...10) == nil)
        #expect(try read.bool("B") == true && read.bool("MISSING") == nil)
        #expect(try read.choice("C", ["preferred", "required"]) == "required")
        #expect(throws: ConfigurationError.invalid(name: "N", value: "7", expected: "a whole number in 8...9")) { try read.int("N", 8...9) }
        #expect(throws: ConfigurationError.invalid(name: "A", value: "x", expected: "1 or 0")) { try read.bool("A") }
        #expect(throws: ConfigurationError.invalid(name: "A", value: "x", expected: "a, b")) { try read.choice("A", ["a", "b"]) }
    }

    @Test("Server: defaults, and a bad port")
    func server() throws {
        let server = try ServerSettings(reading: Self.empty)
        #expect(server == ServerSettings())
        #expect(server.host == "127.0.0.1" && server.port == 8080 && server.baseURL == "http://localhost:8080")
        #expect(!server.development && !server.trustProxy && server.secureCookies)
        #expect(server.headerTimeoutSeconds == 10 && server.bodyTimeoutSeconds == 30 && server.idleTimeoutSeconds == 60)
        let message = failure { _ = try ServerSettings(reading: ConfigurationReader(["PORTCULLIS_PORT": "70000"])) }
        #expect(message == "PORTCULLIS_PORT=70000 is not valid: expected a whole number in 0...65535")
        expectOneLine(failure { _ = try ServerSettings(reading: ConfigurationReader(["PORTCULLIS_TRUST_PROXY": "maybe"])) },
                      naming: "PORTCULLIS_TRUST_PROXY")
        let set = try ServerSettings(reading: ConfigurationReader([
            "PORTCULLIS_HOST": "0.0.0.0", "PORTCULLIS_TRUST_PROXY": "yes", "PORTCULLIS_BASE_URL": "http://mfa.test:8443/",
        ]))
        #expect(set.host == "0.0.0.0" && set.trustProxy && set.baseURL == "http://mfa.test:8443")
    }

    @Test("Storage: defaults, and its description hides a PostgreSQL URL")
    func storage() throws {
        let storage = try StorageSettings(reading: Self.empty)
        #expect(storage.databaseURL == "data/portcullis.sqlite" && !storage.isPostgres)
        #expect(storage.dataDirectory == FileManager.default.currentDirectoryPath + "/data")
        let postgres = try StorageSettings(reading: ConfigurationReader(["PORTCULLIS_DATABASE_URL": " postgres://u:secret@db/p "]))
        #expect(postgres.databaseURL == "postgres://u:secret@db/p" && postgres.isPostgres)
        #expect("\(postgres)" == "StorageSettings(database: postgres)")
    }

    @Test("Keys: none by default, previous keys split on commas; no key outside development is the missingKey line")
    func keys() throws {
        let keys = try KeySettings(reading: Self.empty)
        #expect(keys.key == nil && keys.previousKeys.isEmpty)
        let message = failure { _ = try keys.secretBox(dataDirectory: "/nonexistent", development: false) }
        #expect(message == ConfigurationError.missingKey.description)
        expectOneLine(message, naming: "PORTCULLIS_KEY")
        let current = SecretBox.generateKey(), older = SecretBox.generateKey()
        let set = try KeySettings(reading: ConfigurationReader(["PORTCULLIS_KEY": current, "PORTCULLIS_PREVIOUS_KEYS": " \(older) , \(older)"]))
        #expect(set.key == current && set.previousKeys == [older, older])
        let box = try set.secretBox(dataDirectory: "/nonexistent", development: false)
        #expect(box.current.id == (try SecretBox.Key(encoded: current)).id)
        #expect(!"\(set)".contains(current) && !"\(set)".contains(older))
    }

    @Test("Hashing: defaults, and Argon2 memory below OWASP's floor")
    func hashing() throws {
        let hashing = try HashingSettings(reading: Self.empty)
        #expect(hashing == HashingSettings())
        #expect(hashing.argon2 == Argon2Parameters())
        #expect(hashing.concurrency == ProcessInfo.processInfo.activeProcessorCount && hashing.queue == 64)
        let message = failure { _ = try HashingSettings(reading: ConfigurationReader(["PORTCULLIS_ARGON2_MEMORY_KIB": "1024"])) }
        #expect(message == "PORTCULLIS_ARGON2_MEMORY_KIB=1024 is not valid: expected a whole number in 19456...4194304")
        let set = try HashingSettings(reading: ConfigurationReader([
            "PORTCULLIS_ARGON2_ITERATIONS": "3", "PORTCULLIS_HASH_CONCURRENCY": "2", "PORTCULLIS_HASH_QUEUE": "0",
        ]))
        #expect(set.argon2.iterations == 3 && set.concurrency == 2 && set.queue == 0)
    }

    @Test("Sessions: the domain's defaults, and a lifetime out of range")
    func sessions() throws {
        #expect(try SessionService.Timeouts(reading: Self.empty) == SessionService.Timeouts())
        let set = try SessionService.Timeouts(reading: ConfigurationReader([
            "PORTCULLIS_SESSION_IDLE_MINUTES": "15", "PORTCULLIS_SESSION_LIFETIME_HOURS": "2",
        ]))
        #expect(set.idle == 15 * 60 && set.absolute == 2 * 3600)
        let message = failure { _ = try SessionService.Timeouts(reading: ConfigurationReader(["PORTCULLIS_SESSION_LIFETIME_HOURS": "0"])) }
        #expect(message == "PORTCULLIS_SESSION_LIFETIME_HOURS=0 is not valid: expected a whole number in 1...720")
    }

    @Test("Policy: the domain's defaults, and a user verification that is not a choice")
    func policy() throws {
        #expect(try SecurityPolicy(reading: Self.empty) == SecurityPolicy())
        let set = try SecurityPolicy(reading: ConfigurationReader([
            "PORTCULLIS_LOCKOUT_MINUTES": "10", "PORTCULLIS_ISSUER": "Acme MFA", "PORTCULLIS_PATTERN_GRID": "4",
            "PORTCULLIS_WEBAUTHN_USER_VERIFICATION": "REQUIRED", "PORTCULLIS_PASSKEY_SIGN_IN": "0",
        ]))
        #expect(set.lockoutDuration == 600 && set.issuer == "Acme MFA" && set.patternGridSize == 4)
        #expect(set.webAuthnRequireUserVerification && !set.passkeySignIn)
        let message = failure { _ = try SecurityPolicy(reading: ConfigurationReader(["PORTCULLIS_WEBAUTHN_USER_VERIFICATION": "always"])) }
        #expect(message == "PORTCULLIS_WEBAUTHN_USER_VERIFICATION=always is not valid: expected preferred, required")
    }

    @Test("Webhooks: no Twilio token by default; the token is kept as given and never printed")
    func webhooks() throws {
        #expect(try WebhookSettings(reading: Self.empty).twilioAuthToken == nil)
        let set = try WebhookSettings(reading: ConfigurationReader(["PORTCULLIS_TWILIO_AUTH_TOKEN": "tok-123"]))
        #expect(set.twilioAuthToken == "tok-123")
        #expect("\(set)" == "WebhookSettings(twilioAuthToken: <redacted>)")
    }

    @Test("The whole configuration: every section's defaults, no SMS or SMTP; the first bad value is the error")
    func whole() throws {
        let configuration = try Configuration(reading: Self.empty)
        #expect(configuration.server == ServerSettings() && configuration.storage == StorageSettings())
        #expect(configuration.keys == KeySettings() && configuration.hashing == HashingSettings())
        #expect(configuration.sessions == SessionService.Timeouts() && configuration.policy == SecurityPolicy())
        #expect(configuration.sms == nil && configuration.smtp == nil && configuration.webhooks == WebhookSettings())
        let message = failure { _ = try Configuration(reading: ConfigurationReader(["PORTCULLIS_IDLE_TIMEOUT_SECONDS": "-1"])) }
        #expect(message == "PORTCULLIS_IDLE_TIMEOUT_SECONDS=-1 is not valid: expected a whole number in 1...86400")
    }
}
