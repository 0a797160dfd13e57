import Foundation
import PortcullisTestKit
import Testing
@testable import PortcullisCrypto

@Suite("Argon2id passwords and the hashing limiter")
struct PasswordHasherTests {
    let hasher = PasswordHasher(limiter: WorkLimiter(maxConcurrent: 2, maxQueued: 16))

    @Test("PHC string with the configured parameters; verifies right, refuses wrong")
    func hashAndVerify() async throws {
        let phc = try await hasher.hash("correct horse battery staple")
        #expect(phc.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(try await hasher.verify("correct horse battery staple", against: phc))
        #expect(try await !hasher.verify("correct horse battery stapler", against: phc))
        #expect(try await hasher.hash("same") != hasher.hash("same"), "salted")
        #expect(!hasher.needsRehash(phc))
        let stronger = PasswordHasher(parameters: .init(memoryKiB: 32768, iterations: 3, parallelism: 1), limiter: WorkLimiter(maxConcurrent: 1, maxQueued: 1))
        #expect(stronger.needsRehash(phc))
    }

    @Test("Unknown user: a decoy hash is checked and the answer is no")
    func unknownUser() async throws {
        #expect(try await !hasher.verify("anything", against: nil))
        #expect(try await !hasher.verify("", against: nil))
    }

    @Test("Passwords are not truncated and accept any Unicode")
    func noTruncation() async throws {
        let long = String(repeating: "a", count: 200)
        let phc = try await hasher.hash(long)
        #expect(try await !hasher.verify(String(repeating: "a", count: 199), against: phc))
        let unicode = try await hasher.hash("pässwörd 🔐")
        #expect(try await hasher.verify("pässwörd 🔐", against: unicode))
    }

    @Test("The limiter never runs more jobs than allowed, and refuses past its queue")
    func limiter() async throws {
        let limiter = WorkLimiter(maxConcurrent: 2, maxQueued: 3)
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask { _ = try await limiter.run { gauge.enter(); usleep(50_000); gauge.leave() } }
            }
            try await group.waitForAll()
        }
        // "Never more than allowed" is the property; whether two jobs overlapped depends on the scheduler
        // (on a busy two-core machine they may not), so only the upper bound is asserted.
        #expect((1...2).contains(gauge.maximum))

        // Hold both slots and fill the queue: the next job is refused at once.
        let gate = Gate()
        var holders: [Task<Void, Error>] = []
        for _ in 0..<5 { holders.append(Task { _ = try await limiter.run { gate.wait() } }) }
        while await limiter.load != (2, 3) { try await Task.sleep(for: .milliseconds(5)) }
        await #expect(throws: WorkLimiterError.overloaded) { try await limiter.run { 1 } }
        gate.open()
        for holder in holders { try await holder.value }
        #expect(await limiter.load == (0, 0))
    }
}

/// Counts concurrent entries.
final class Gauge: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private(set) var maximum = 0
    func enter() { lock.withLock { current += 1; maximum = max(maximum, current) } }
    func leave() { lock.withLock { current -= 1 } }
}


@Suite("Passwords are read in Unicode NFKC")
struct PasswordNormalizationTests {
    let hasher = PasswordHasher(limiter: WorkLimiter(maxConcurrent: 2, maxQueued: 16))

    @Test("A password typed decomposed (NFD) matches the same one stored composed (NFC), and the reverse; full-width too")
    func normalForms() async throws {
        let composed = "Caf\u{00E9} cr\u{00E8}me br\u{00FB}l\u{00E9}e"  // é è û é as single code points
        let decomposed = "Cafe\u{0301} cre\u{0300}me bru\u{0302}le\u{0301}e"
        #expect(!Array(composed.utf8).elementsEqual(Array(decomposed.utf8)), "different bytes")
        let stored = try await hasher.hash(composed)
        #expect(try await hasher.verify(decomposed, against: stored))
        #expect(try await hasher.verify(composed, against: try await hasher.hash(decomposed)))
        #expect(try await hasher.verify("ｐａｓｓ ｗｏｒｄ １２３", against: try await hasher.hash("pass word 123")), "full-width forms are NFKC's ASCII")
        #expect(try await !hasher.verify("Cafe creme brulee", against: stored))
        #expect(PasswordText.length(decomposed) == 17, "counted in code points after normalization")
        #expect(PasswordHasher.isNormalized(composed) && !PasswordHasher.isNormalized(decomposed))
    }

    @Test("A hash stored before normalization (of NFD bytes) still verifies, so nobody is locked out by the change")
    func legacyHashes() async throws {
        let decomposed = "Cafe\u{0301} cre\u{0300}me"
        let legacy = try PasswordHasher.encode(password: decomposed, salt: Array(repeating: 7, count: 16), parameters: .owaspMinimum)
        #expect(try await hasher.verify(decomposed, against: legacy))
    }
}
