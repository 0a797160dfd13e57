import Foundation

/// A factor type's non-secret settings (algorithm, digits, a destination, a salt), stored as a string map in the
/// factor's row. Each type decodes its own struct, validating in `init(from:)`: a bad stored value throws
/// `FactorParametersError`, never traps.
public protocol FactorParameters: Codable, Sendable {}

/// A factor's stored parameters are missing or out of range.
public struct FactorParametersError: DomainError, Equatable, CustomStringConvertible {
    public var key: String
    public init(_ key: String) { self.key = key }
    public var code: String { "factor.unreadable_parameters" }
    public var kind: ErrorKind { .failed }
    public var arguments: [String: String] { ["parameter": key] }
    /// For logs and test failures: the parameter's name only, never its value.
    public var description: String { "\(code) \(key)" }
}

extension FactorParametersError {
    /// Runs `body`, answering nil when a factor's stored parameters cannot be read: for reads that show or match a
    /// factor, where a broken row must not fail the page or the request (the sign-in check audits it).
    public static func refusing<T>(_ body: () async throws -> T) async throws -> T? {
        do { return try await body() } catch is FactorParametersError { return nil }
    }
}

extension Factor {
    /// The factor's parameters as its type's struct.
    public func parameters<P: FactorParameters>(as type: P.Type) throws -> P {
        do {
            return try P(from: StoredParametersDecoder(values: parameters))
        } catch let error as FactorParametersError {
            throw error
        } catch DecodingError.keyNotFound(let key, _) {
            throw FactorParametersError(key.stringValue)
        } catch DecodingError.dataCorrupted(let context) {
            throw FactorParametersError(context.codingPath.last?.stringValue ?? "?")
        } catch {
            throw FactorParametersError("?")
        }
    }

    /// Stores typed parameters as the row's string map (numbers and Booleans as their text). Enrollment only, so the
    /// JSON round trip costs nothing that matters.
    public mutating func setParameters<P: FactorParameters>(_ typed: P) throws {
        parameters = try JSONDecoder().decode([String: StoredText].self, from: JSONEncoder().encode(typed)).mapValues(\.text)
    }
}

/// One encoded parameter value read back as text.
private struct StoredText: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) { self.text = text }
        else if let number = try? c.decode(Int64.self) { self.text = String(number) }
        else if let flag = try? c.decode(Bool.self) { self.text = String(flag) }
        else { throw FactorParametersError(decoder.codingPath.last?.stringValue ?? "?") }
    }
}

extension KeyedDecodingContainer {
    /// A decoded number that must lie in `range`.
    public func decode(_ type: Int.Type, forKey key: Key, in range: ClosedRange<Int>) throws -> Int {
        let value = try decode(Int.self, forKey: key)
        guard range.contains(value) else { throw FactorParametersError(key.stringValue) }
        return value
    }
}

// MARK: A decoder over `[String: String]` (flat structs of strings, numbers and string enums), cheap enough for
// the code-checking hot path

struct StoredParametersDecoder: Decoder {
    let values: [String: String]
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(values: values))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([String].self, .init(codingPath: codingPath, debugDescription: "flat parameters only"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(String.self, .init(codingPath: codingPath, debugDescription: "flat parameters only"))
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let values: [String: String]
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { values.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { values[key.stringValue] != nil }
        func decodeNil(forKey key: Key) throws -> Bool { values[key.stringValue] == nil }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let raw = values[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [key], debugDescription: "missing"))
            }
            return try T(from: Single(raw: raw, key: key))
        }
        func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
            throw FactorParametersError(key.stringValue)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw FactorParametersError(key.stringValue) }
        func superDecoder() throws -> any Decoder { throw FactorParametersError("super") }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw FactorParametersError(key.stringValue) }
    }

    /// One stored string, read as the type asked for.
    struct Single: Decoder, SingleValueDecodingContainer {
        let raw: String
        let key: any CodingKey
        var codingPath: [any CodingKey] { [key] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> { throw FactorParametersError(key.stringValue) }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw FactorParametersError(key.stringValue) }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { false }
        func decode(_ type: String.Type) throws -> String { raw }
        func decode(_ type: Bool.Type) throws -> Bool { try parse(Bool.init) }
        func decode(_ type: Int.Type) throws -> Int { try parse { Int($0) } }
        func decode(_ type: Int64.Type) throws -> Int64 { try parse { Int64($0) } }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

        private func parse<T>(_ read: (String) -> T?) throws -> T {
            guard let value = read(raw) else { throw FactorParametersError(key.stringValue) }
            return value
        }
    }
}
