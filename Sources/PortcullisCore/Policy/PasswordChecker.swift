import Foundation
import PortcullisCrypto

/// What is wrong with a new password, in the order the checker looks (each has one sentence in the error catalog).
public enum PasswordProblem: String, Sendable, Equatable, CaseIterable {
    /// Control characters (a NUL, a line break): they cannot be typed reliably.
    case controlCharacters = "control_characters"
    case tooShort = "too_short"
    case tooLong = "too_long"
    /// On the list of common and breached passwords.
    case blocklisted
    /// Built on the username, the user's name or email, or the organization's name: without it, too short.
    case context
    /// Mostly one character repeated, a run like "12345678" or "abcdef", or a short unit repeated ("abcabcabc").
    case repetitive
    /// Fewer character classes than a policy that asks for them (weaker than the defaults).
    case characterClasses = "character_classes"
    /// The same as the current password.
    case unchanged
}

/// A checked password: its first problem, if any, whether it is on the blocklist, and an estimate of its strength
/// from 0 (guessed at once) to 4 (very hard to guess) for the meter.
public struct PasswordVerdict: Sendable, Equatable {
    public var problem: PasswordProblem?
    public var blocklisted: Bool
    public var strength: Int
    /// The rule's numbers, for the sentence that explains the problem.
    public var minimumLength: Int
    public var maximumLength: Int
    public var characterClasses: Int

    public var isAcceptable: Bool { problem == nil }

    /// The refusal to throw where a caller cannot show a verdict (admin API, command line).
    public var refusal: PasswordRefusal? {
        problem.map { PasswordRefusal(problem: $0, minimumLength: minimumLength, maximumLength: maximumLength, characterClasses: characterClasses) }
    }
}

/// A password the policy refuses, as an error (`password.too_short`, …).
public struct PasswordRefusal: DomainError, Equatable {
    public let problem: PasswordProblem
    public let minimumLength: Int
    public let maximumLength: Int
    public let characterClasses: Int

    public var code: String { "password." + problem.rawValue }
    public var kind: ErrorKind { .invalid }
    public var arguments: [String: String] {
        ["minimum": String(minimumLength), "maximum": String(maximumLength), "classes": String(characterClasses)]
    }
}

/// Checks a new password against an organization's `PasswordPolicy` (SPEC §5), without any outside service.
public struct PasswordChecker: Sendable {
    public let blocklist: PasswordBlocklist

    public init(blocklist: PasswordBlocklist) {
        self.blocklist = blocklist
    }

    /// The verdict on `password` for a user who must use MFA (`mfaRequired`) or need not; `contextWords` are the
    /// username, the user's name and email, and the organization's name and slug (`contextWords(…)`).
    public func check(_ password: String, policy: PasswordPolicy, mfaRequired: Bool, contextWords: [String] = [],
                      current: Bool = false) -> PasswordVerdict {
        let normalized = PasswordText.normalized(password)
        let scalars = Array(normalized.unicodeScalars)
        let key = normalized.lowercased()
        let blocklisted = blocklist.contains(password)
        let minimum = policy.minimumLength(mfaRequired: mfaRequired)
        let maximum = max(64, policy.maximumLength)
        let problem: PasswordProblem? =
            if scalars.contains(where: { $0.properties.generalCategory == .control }) { .controlCharacters }
            else if scalars.count < minimum { .tooShort }
            else if scalars.count > maximum { .tooLong }
            else if blocklisted { .blocklisted }
            else if Self.leansOnContext(key, words: Self.words(contextWords), minimum: minimum) { .context }
            else if Self.isRepetitive(Array(key.unicodeScalars)) { .repetitive }
            else if Self.classes(scalars) < policy.characterClasses { .characterClasses }
            else if current { .unchanged }
            else { nil }
        return PasswordVerdict(problem: problem, blocklisted: blocklisted,
                               strength: problem == nil || problem == .characterClasses ? Self.strength(scalars) : min(1, Self.strength(scalars)),
                               minimumLength: minimum, maximumLength: maximum, characterClasses: policy.characterClasses)
    }

    /// The words a password may not contain: parts of the username, name and email local part, and of the
    /// organization's name and slug, of four characters or more, lowercased.
    public static func contextWords(username: String, displayName: String, email: String?, organization: Organization) -> [String] {
        [username, displayName, email.map { String($0.prefix { $0 != "@" }) } ?? "", organization.name, organization.slug]
    }

    static func words(_ phrases: [String]) -> [String] {
        let separators = CharacterSet.alphanumerics.inverted
        return phrases.flatMap { phrase in
            [PasswordText.normalized(phrase).lowercased()]
                + PasswordText.normalized(phrase).lowercased().components(separatedBy: separators)
        }.filter { $0.unicodeScalars.count >= 4 }
    }

    /// Whether the password leans on a context word: it contains one, and what is left without it is shorter than
    /// the minimum length ("alice2024!" for alice; a long passphrase that happens to hold the word passes).
    static func leansOnContext(_ key: String, words: [String], minimum: Int) -> Bool {
        words.contains { word in key.contains(word) && key.replacingOccurrences(of: word, with: "").unicodeScalars.count < minimum }
    }

    /// Half the password or more in one run of a repeated character or of consecutive characters ("aaaa", "4321",
    /// "abcd"), or the whole of it one short unit said three times or more.
    static func isRepetitive(_ scalars: [Unicode.Scalar]) -> Bool {
        guard scalars.count >= 2 else { return true }
        if longestRun(scalars) * 2 >= scalars.count { return true }
        for unit in 1...max(1, scalars.count / 3) where scalars.count >= 3 && scalars.count % unit == 0 {
            if (unit..<scalars.count).allSatisfy({ scalars[$0] == scalars[$0 % unit] }) { return true }
        }
        return false
    }

    /// The longest run (of at least 3) of one repeated character or of characters one apart, up or down.
    static func longestRun(_ scalars: [Unicode.Scalar]) -> Int {
        var longest = 0, length = 1, step: Int? = nil
        for index in scalars.indices.dropFirst() {
            let difference = Int(scalars[index].value) - Int(scalars[index - 1].value)
            if abs(difference) <= 1, step == nil || step == difference {
                length += 1
                step = difference
            } else {
                length = abs(difference) <= 1 ? 2 : 1
                step = abs(difference) <= 1 ? difference : nil
            }
            if length >= 3 { longest = max(longest, length) }
        }
        return longest
    }

    /// How many of lowercase, uppercase, digit and other characters appear.
    static func classes(_ scalars: [Unicode.Scalar]) -> Int {
        let lower = scalars.contains { $0.properties.isLowercase }
        let upper = scalars.contains { $0.properties.isUppercase }
        let digit = scalars.contains { ("0"..."9").contains($0) }
        let other = scalars.contains { !$0.properties.isLowercase && !$0.properties.isUppercase && !("0"..."9").contains($0) }
        return [lower, upper, digit, other].filter { $0 }.count
    }

    /// 0 to 4 from an estimate of the guesses needed: the characters' pool to the power of the length, with each
    /// run of repeated or consecutive characters counting as two, capped by the length (the page's meter runs the
    /// same estimate in the browser, without the blocklist).
    static func strength(_ scalars: [Unicode.Scalar]) -> Int {
        guard !scalars.isEmpty else { return 0 }
        var pool = 0
        if scalars.contains(where: { ("a"..."z").contains($0) }) { pool += 26 }
        if scalars.contains(where: { ("A"..."Z").contains($0) }) { pool += 26 }
        if scalars.contains(where: { ("0"..."9").contains($0) }) { pool += 10 }
        if scalars.contains(where: { $0.isASCII && !$0.properties.isAlphabetic && !("0"..."9").contains($0) }) { pool += 33 }
        if scalars.contains(where: { !$0.isASCII }) { pool += 100 }
        var effective = 1
        var runLength = 1
        for index in scalars.indices.dropFirst() {
            let difference = abs(Int(scalars[index].value) - Int(scalars[index - 1].value))
            runLength = difference <= 1 ? runLength + 1 : 1
            if runLength <= 2 { effective += 1 }
        }
        let log10Guesses = Double(effective) * log10(Double(max(pool, 2)))
        let byGuesses = log10Guesses < 3 ? 0 : log10Guesses < 6 ? 1 : log10Guesses < 8 ? 2 : log10Guesses < 10 ? 3 : 4
        let byLength = scalars.count < 8 ? 1 : scalars.count < 12 ? 2 : scalars.count < 16 ? 3 : 4
        return min(byGuesses, byLength)
    }
}
