// Benchmarks for the hot paths: code verification, session lookup, password checks (and whether an unknown user
// costs the same as a wrong password), and hashing under a flood. Run with `make bench` (release build).
// Prints one line per measurement: median and 90th percentile per operation.
import Foundation
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport

@MainActor func measure(_ name: String, iterations: Int, _ body: () async throws -> Void) async rethrows -> [Double] {
    var samples: [Double] = []
    samples.reserveCapacity(iterations)
    let clock = ContinuousClock()
    for _ in 0..<iterations {
        let start = clock.now
        try await body()
        let elapsed = clock.now - start
        samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
    }
    samples.sort()
    let median = samples[samples.count / 2]
    let p90 = samples[samples.count * 9 / 10]
    print(String(format: "%-52@ median %9.1f µs   p90 %9.1f µs   (n=%d)", name as NSString, median, p90, iterations))
    return samples
}

let engines = TestDatabase.engines
for engine in engines {
    print("== \(engine.rawValue)")
    try await TestDatabase.with(engine) { db in
        var policy = SecurityPolicy()
        policy.lockoutThreshold = 1_000_000  // measure the failure path itself, not lockouts
        let s = try TestServices(database: db, policy: policy)
        let (organization, user) = try await s.makeUser()
        let (factor, secret, _) = try await s.enrollTOTP(user)
        let session = try await s.sessions.start(user: user, stage: .signedIn, amr: ["pwd", "otp"])

        _ = try await measure("HOTP code (HMAC-SHA1, 6 digits)", iterations: 20_000) {
            _ = OneTimePassword.hotp(secret: secret, counter: 42)
        }
        _ = try await measure("session lookup (validate token)", iterations: 2_000) {
            _ = try await s.sessions.validate(token: session.token)
        }
        _ = try await measure("TOTP verify, wrong code (decrypt + 3 steps + DB)", iterations: 2_000) {
            _ = try await TOTPFactor().verify(FactorResponse(code: "000000"), factor: factor, context: s.context)
        }
        var step = 0.0
        _ = try await measure("TOTP verify, right code (incl. replay-guard UPDATE)", iterations: 500) {
            step += 30
            s.clock.set(Date(timeIntervalSince1970: 1_900_000_000 + step))
            _ = try await TOTPFactor().verify(FactorResponse(code: OneTimePassword.totp(secret: secret, at: s.clock.now)), factor: factor, context: s.context)
        }
        // No user enumeration by timing: the two distributions should overlap.
        let wrong = try await measure("sign-in, known user, wrong password", iterations: 100) {
            _ = try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "wrong password", ip: "bench-\(Int.random(in: 0...1_000_000))")
        }
        let unknown = try await measure("sign-in, unknown user", iterations: 100) {
            _ = try await s.signIn.verifyPassword(organization: organization, username: "nobody", password: "wrong password", ip: "bench-\(Int.random(in: 0...1_000_000))")
        }
        print(String(format: "   unknown/known median ratio: %.3f", unknown[unknown.count / 2] / wrong[wrong.count / 2]))
    }
}

// Flood: 200 concurrent hashes through a limiter of `cores` with a queue of 64: how many are refused, how long it takes.
let cores = ProcessInfo.processInfo.activeProcessorCount
let hasher = PasswordHasher(limiter: WorkLimiter(maxConcurrent: cores, maxQueued: 64))
let start = ContinuousClock.now
let refused = await withTaskGroup(of: Bool.self) { group in
    for _ in 0..<200 { group.addTask { (try? await hasher.hash("flood password")) == nil } }
    var count = 0
    for await wasRefused in group where wasRefused { count += 1 }
    return count
}
print("flood: 200 concurrent hashes, \(cores) at once, queue 64: \(refused) refused with 503 in \(ContinuousClock.now - start)")
