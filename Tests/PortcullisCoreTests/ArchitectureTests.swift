import Foundation
import Testing

/// The layering the package promises, checked on the sources: fronts (web pages and APIs, the command line) reach
/// services through the composition root only, never a repository or the database.
@Suite("Architecture")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func sources(_ target: String) throws -> [(name: String, text: String)] {
        let folder = Self.root.appendingPathComponent("Sources/\(target)")
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "swift" }.map { ($0.lastPathComponent, try String(contentsOf: $0, encoding: .utf8)) }
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
}
