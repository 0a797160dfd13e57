import Foundation
import Testing

/// A factor type is one plugin: its folder in the domain and in the web target, and the registries keyed by type.
/// Everywhere else, code asks the registry (`FactorMethods`, `FactorPresenters`) and never branches on a type.
@Suite("Factor plugins")
struct FactorPluginTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Swift files under `Sources/`, with their path relative to it.
    func sources() throws -> [(path: String, text: String)] {
        let folder = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "swift" }.map { url in
            (String(url.path.dropFirst(folder.path.count + 1)), try String(contentsOf: url, encoding: .utf8))
        }
    }

    /// The places allowed to name a factor type: its own folders, the registries and the type's declaration.
    static func mayNameTypes(_ path: String) -> Bool {
        path.hasPrefix("PortcullisCore/Factors/") || path.hasPrefix("PortcullisWeb/Factors/") || path == "PortcullisCore/Model/Factor.swift"
    }

    @Test("No switch over factor types and no comparison with a type outside the plugins and registries")
    func noTypeSwitches() throws {
        let cases = "totp|hotp|sms|email|webauthn|pattern|backupCodes"
        let patterns = try [
            "switch [a-zA-Z.]*\\.type\\b",                       // switch factor.type
            "\\.type (==|!=) \\.(\(cases))\\b",                   // factor.type == .sms
            "FactorType\\.(\(cases))\\b",                          // FactorType.totp
            "\\[FactorType\\.?\\w*\\]\\(\\[?\\.(\(cases))",         // [FactorType] lists
        ].map { try NSRegularExpression(pattern: $0) }
        var offenders: [String] = []
        for (path, text) in try sources() where !Self.mayNameTypes(path) {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                let range = NSRange(line.startIndex..., in: line)
                if patterns.contains(where: { $0.firstMatch(in: line, range: range) != nil }) {
                    offenders.append("\(path):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(offenders.isEmpty, "type-specific code outside a plugin:\n\(offenders.joined(separator: "\n"))")
    }

    @Test("Each factor type has a folder in the domain and one in the web target")
    func foldersPerType() throws {
        let model = try String(contentsOf: Self.root.appendingPathComponent("Sources/PortcullisCore/Model/Factor.swift"), encoding: .utf8)
        let enumBody = try #require(model.range(of: "enum FactorType").map { model[$0.upperBound...].prefix { $0 != "}" } })
        let types = enumBody.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("case ") else { return nil }
            return String(trimmed.dropFirst(5).prefix { $0.isLetter || $0.isNumber })
        }
        #expect(types.count == 7)
        let domain = Self.root.appendingPathComponent("Sources/PortcullisCore/Factors")
        let web = Self.root.appendingPathComponent("Sources/PortcullisWeb/Factors")
        let domainFolders = try FileManager.default.contentsOfDirectory(atPath: domain.path).map { $0.lowercased() }
        let webFolders = try FileManager.default.contentsOfDirectory(atPath: web.path).map { $0.lowercased() }
        for type in types {
            #expect(domainFolders.contains(type.lowercased()), "no domain folder for \(type)")
            #expect(webFolders.contains(type.lowercased()), "no web folder for \(type)")
        }
    }
}
