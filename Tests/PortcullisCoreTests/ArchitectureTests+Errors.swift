import Foundation
import Testing

extension ArchitectureTests {
    @Test("Every error the domain declares is a DomainError: a stable code and a kind, its words in the error catalog")
    func domainErrorsHaveCodes() throws {
        let declaration = try NSRegularExpression(pattern: #"(?:enum|struct|class)\s+(\w+)\s*:\s*([^{]+)\{"#)
        for (name, text) in try sources("PortcullisCore") {
            let range = NSRange(text.startIndex..., in: text)
            for match in declaration.matches(in: text, range: range) {
                guard let typeRange = Range(match.range(at: 1), in: text), let listRange = Range(match.range(at: 2), in: text) else { continue }
                let conformances = text[listRange].split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                guard conformances.contains("Error") || conformances.contains("LocalizedError") else { continue }
                Issue.record("PortcullisCore/\(name): \(text[typeRange]) is an Error but not a DomainError")
            }
            #expect(!text.contains("userMessage"), "PortcullisCore/\(name) carries user wording")
        }
    }
}
