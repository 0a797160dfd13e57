import Foundation
import Testing

/// The layering the package promises, checked on the sources: fronts (web pages and APIs, the command line) reach
/// services through the composition root only, never a repository or the database; the crypto, WebAuthn and token
/// import targets stand below the domain and know nothing of it; only the crypto target links libargon2; configuration
/// is read in the composition root alone.
@Suite("Architecture")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func sources(_ target: String) throws -> [(name: String, text: String)] {
        let folder = Self.root.appendingPathComponent("Sources/\(target)")
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "swift" }.map { ($0.lastPathComponent, try String(contentsOf: $0, encoding: .utf8)) }
    }

    /// Every `.swift` file under `folder` (relative to the package root), with its path from there.
    func swiftFiles(under folder: String) throws -> [(path: String, text: String)] {
        let base = Self.root.appendingPathComponent(folder)
        let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "swift" && !$0.path.contains("/.build") }.map {
            (folder + $0.path.dropFirst(base.path.count), try String(contentsOf: $0, encoding: .utf8))
        }
    }

    /// The modules a file imports: `import X`, `@testable import X`, `import struct X.Y`, one a line.
    func imports(_ text: String) -> Set<String> {
        var modules: Set<String> = []
        for line in text.split(separator: "\n") {
            var words = line.split(separator: " ").drop { $0.hasPrefix("@") }
            guard words.first == "import" else { continue }
            words = words.dropFirst()
            if let kind = words.first, ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"].contains(kind) {
                words = words.dropFirst()
            }
            if let name = words.first?.split(separator: ".").first { modules.insert(String(name)) }
        }
        return modules
    }

    /// Each target's declaration in Package.swift, by name: its text up to the next declaration.
    func packageTargets() throws -> [String: Substring] {
        let package = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let matches = package.matches(of: /\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"/)
        var targets: [String: Substring] = [:]
        for (index, match) in matches.enumerated() {
            let end = index + 1 < matches.count ? matches[index + 1].range.lowerBound : package.endIndex
            targets[String(match.output.1)] = package[match.range.lowerBound..<end]
        }
        return targets
    }

    @Test("No front imports the store or touches repositories; the CLI does not import Hummingbird")
    func frontsUseServices() throws {
        for target in ["PortcullisWeb", "portcullis"] {
            let files = try sources(target)
            #expect(!files.isEmpty)
            for (name, text) in files {
                #expect(!text.contains("import PortcullisStore"), "\(target)/\(name) imports the store")
                #expect(!text.contains(".repositories"), "\(target)/\(name) reaches a repository")
                #expect(!text.contains("app.database"), "\(target)/\(name) reaches the database")
            }
        }
        for (name, text) in try sources("portcullis") {
            #expect(!text.contains("import Hummingbird"), "portcullis/\(name) imports Hummingbird")
        }
        let package = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let web = try #require(package.range(of: "name: \"PortcullisWeb\"")).upperBound
        let webTarget = package[web...].prefix { $0 != "]" }
        #expect(!webTarget.contains("PortcullisStore"), "PortcullisWeb depends on the store")
    }

    @Test("The domain has no HTTP and no SQL")
    func pureDomain() throws {
        for (name, text) in try sources("PortcullisCore") {
            for module in ["Hummingbird", "SQLKit", "PostgresKit", "SQLiteKit", "PortcullisStore"] {
                #expect(!text.contains("import \(module)"), "PortcullisCore/\(name) imports \(module)")
            }
        }
    }

    @Test("Configuration is the composition root's: the domain and delivery read no setting and hold no server settings")
    func configurationInTheApp() throws {
        let variable = /"PORTCULLIS_[A-Z0-9_]+"/
        let configurationType = /\b(?:struct|enum|class|actor|typealias)\s+(?:Configuration|ConfigurationValues|ConfigurationError|ConfigurationReader|ServerSettings|StorageSettings|KeySettings|HashingSettings)\b/
        let serverSetting = /\b(?:var|let)\s+(?:host|port|baseURL|databaseURL|dataDirectory|secureCookies|trustProxy|development|\w+TimeoutSeconds)\b/
        for target in ["PortcullisCore", "PortcullisDelivery"] {
            let files = try sources(target)
            #expect(!files.isEmpty)
            for (name, text) in files {
                #expect(text.firstMatch(of: variable) == nil, "\(target)/\(name) reads a PORTCULLIS_ setting")
                #expect(text.firstMatch(of: configurationType) == nil, "\(target)/\(name) declares a configuration type")
                #expect(!text.contains("ProcessInfo.processInfo.environment"), "\(target)/\(name) reads the environment")
            }
        }
        for (name, text) in try sources("PortcullisCore") {
            #expect(text.firstMatch(of: serverSetting) == nil, "PortcullisCore/\(name) holds a server or storage setting")
        }
        // The one reader and the one error live in PortcullisApp/Configuration, with every section.
        let app = try swiftFiles(under: "Sources/PortcullisApp/Configuration")
        for type in ["Configuration", "ConfigurationReader", "ConfigurationError", "ServerSettings", "StorageSettings", "KeySettings",
                     "HashingSettings"] {
            #expect(app.contains { $0.path.hasSuffix("/\(type).swift") }, "no PortcullisApp/Configuration/\(type).swift")
        }
    }

    @Test("Only PortcullisCrypto imports or depends on CArgon2 (libargon2)")
    func argon2OnlyInCrypto() throws {
        let sources = try swiftFiles(under: "Sources") + swiftFiles(under: "Tests") + swiftFiles(under: "bench")
        #expect(sources.contains { $0.path.hasPrefix("Sources/PortcullisCrypto/") && imports($0.text).contains("CArgon2") })
        for (path, text) in sources where !path.hasPrefix("Sources/PortcullisCrypto/") {
            #expect(!imports(text).contains("CArgon2"), "\(path) imports CArgon2")
        }
        let targets = try packageTargets()
        #expect(targets["PortcullisCrypto"]?.contains("\"CArgon2\"") == true)
        for (name, declaration) in targets where name != "CArgon2" && name != "PortcullisCrypto" {
            #expect(!declaration.contains("\"CArgon2\""), "\(name) depends on CArgon2")
        }
    }

    @Test("The crypto, WebAuthn and token import targets do not import the domain or anything above it")
    func primitivesBelowTheDomain() throws {
        let targets = try packageTargets()
        let above = ["PortcullisCore", "PortcullisStore", "PortcullisDelivery", "PortcullisApp", "PortcullisWeb"]
        for target in ["PortcullisCrypto", "PortcullisWebAuthn", "PortcullisTokenImport"] {
            let files = try sources(target)
            #expect(!files.isEmpty, "no sources in \(target)")
            for (name, text) in files {
                let imported = imports(text)
                for module in above {
                    #expect(!imported.contains(module), "\(target)/\(name) imports \(module)")
                }
            }
            let declaration = try #require(targets[target], "\(target) is not in Package.swift")
            for module in above {
                #expect(!declaration.contains("\"\(module)\""), "\(target) depends on \(module)")
            }
        }
        // Their tests, and the leaf test kit, build without the domain too.
        for target in ["PortcullisCryptoTests", "PortcullisWebAuthnTests", "PortcullisTokenImportTests", "PortcullisTestKit"] {
            let declaration = try #require(targets[target], "\(target) is not in Package.swift")
            for module in above + ["PortcullisTestSupport"] {
                #expect(!declaration.contains("\"\(module)\""), "\(target) depends on \(module)")
            }
        }
        for (path, text) in try swiftFiles(under: "Tests/Kit") {
            #expect(imports(text).isDisjoint(with: above + ["PortcullisTestSupport"]), "\(path) imports the domain or above")
        }
        // The crypto primitives stand below the other two as well.
        for (name, text) in try sources("PortcullisCrypto") {
            #expect(imports(text).isDisjoint(with: ["PortcullisWebAuthn", "PortcullisTokenImport"]), "PortcullisCrypto/\(name)")
        }
        // Every dependant says what it uses: no module re-exports another.
        for (path, text) in try swiftFiles(under: "Sources") {
            #expect(!text.contains("@_exported"), "\(path) re-exports a module")
        }
    }

    @Test("The generated admin API target imports only the OpenAPI runtime (with HTTPTypes) and Foundation; only the web target and its tests use it")
    func generatedAdminAPIStandsAlone() throws {
        let files = try swiftFiles(under: "Sources/PortcullisAdminAPI")
        #expect(!files.isEmpty)
        // Generated imports carry an access level (`package import OpenAPIRuntime`); HTTPTypes comes with the runtime.
        let line = /^(?:@\S+\s+)*(?:(?:public|package|internal)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)/
        for (path, text) in files {
            let modules = Set(text.split(separator: "\n").compactMap { try? line.firstMatch(in: String($0))?.output.1 }.map(String.init))
            #expect(modules.isSubset(of: ["OpenAPIRuntime", "HTTPTypes", "Foundation"]), "\(path) imports \(modules)")
        }
        let targets = try packageTargets()
        let declaration = try #require(targets["PortcullisAdminAPI"])
        let dependencies = declaration.replacingOccurrences(of: "name: \"PortcullisAdminAPI\"", with: "")
        #expect(!dependencies.contains("\"Portcullis"), "PortcullisAdminAPI depends on another Portcullis target")
        for (name, declaration) in targets where declaration.contains("\"PortcullisAdminAPI\"") {
            #expect(["PortcullisAdminAPI", "PortcullisWeb", "PortcullisWebTests"].contains(name), "\(name) depends on the generated admin API")
        }
    }

    @Test("No Swift file under Sources/, Tests/ or bench/ is over 400 lines (but the generated admin API code)")
    func shortFiles() throws {
        let files = try swiftFiles(under: "Sources") + swiftFiles(under: "Tests") + swiftFiles(under: "bench")
        #expect(files.count > 50)
        for (path, text) in files where !path.hasPrefix("Sources/PortcullisAdminAPI/Generated/") {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
            #expect(lines <= 400, "\(path) has \(lines) lines")
        }
    }
}
