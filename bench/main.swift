// Benchmarks for the hot paths: code verification, session lookup, password checks (and whether an unknown user
// costs the same as a wrong password), and hashing under a flood. Run with `make bench` (release build).
// Prints one line per measurement: median and 90th percentile per operation. `portcullis-bench audit` measures the audit
// log on a million events instead.
import Crypto
import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestKit
import PortcullisTestSupport
import PortcullisWebAuthn

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

// `portcullis-bench audit [COUNT]`: the audit log on COUNT (a million) events instead (AuditBench.swift), on SQLite and on
// PostgreSQL when PORTCULLIS_BENCH_POSTGRES_URL (or the tests' PORTCULLIS_TEST_POSTGRES_URL) names one.
let benchArguments = Array(CommandLine.arguments.dropFirst())
if benchArguments.first == "audit" {
    if let url = ProcessInfo.processInfo.environment["PORTCULLIS_BENCH_POSTGRES_URL"], !url.isEmpty { setenv("PORTCULLIS_TEST_POSTGRES_URL", url, 1) }
    for engine in TestDatabase.engines {
        print("== audit log on \(engine.rawValue)")
        try await auditBenchmark(engine: engine, count: benchArguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000)
    }
    exit(0)
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
        _ = try await measure("session lookup (session + user, one join)", iterations: 2_000) {
            _ = try await s.sessions.current(token: session.token)
        }
        _ = try await measure("TOTP verify, wrong code (decrypt + 3 steps + DB)", iterations: 2_000) {
            _ = try await TOTPFactor().verify(FactorResponse.code("000000"), factor: factor, context: s.context)
        }
        var step = 0.0
        _ = try await measure("TOTP verify, right code (incl. replay-guard UPDATE)", iterations: 500) {
            step += 30
            s.clock.set(Date(timeIntervalSince1970: 1_900_000_000 + step))
            _ = try await TOTPFactor().verify(FactorResponse.code(OneTimePassword.totp(secret: secret, at: s.clock.now)), factor: factor, context: s.context)
        }
        // WebAuthn: an ES256 assertion, verified alone and as the factor check (credential lookup + counter UPDATE).
        let key = P256.Signing.PrivateKey()
        let point = Array(key.publicKey.x963Representation)
        let cose = CBORValue.map([(.int(1), .int(2)), (.int(3), .int(-7)), (.int(-1), .int(1)),
                                  (.int(-2), .bytes(Array(point[1...32]))), (.int(-3), .bytes(Array(point[33...64])))]).encoded()
        let relyingParty = WebAuthnRelyingParty(id: "localhost", name: "Portcullis", origin: "http://localhost:8080")
        let challenge = [UInt8](repeating: 9, count: 32)
        let keyFactor = Factor(id: "bench-key", userID: user.id, type: .webauthn, label: "Key", confirmed: true, createdAt: s.clock.now)
        try await s.repositories.factors.insert(keyFactor)
        try await s.repositories.webAuthn.insert(WebAuthnCredential(
            id: "YmVuY2g", factorID: keyFactor.id, userID: user.id, publicKey: cose, algorithm: -7, signCount: 0,
            aaguid: [UInt8](repeating: 0, count: 16), transports: [], backupEligible: false, backupState: false, createdAt: s.clock.now))
        var count: UInt32 = 0
        func assertion() throws -> (clientData: [UInt8], authData: [UInt8], signature: [UInt8]) {
            count += 1
            let clientData = Array(#"{"type":"webauthn.get","challenge":"\#(Base64URL.encode(challenge))","origin":"http://localhost:8080"}"#.utf8)
            let authData = Array(SHA256.hash(data: Array("localhost".utf8))) + [0x05] + withUnsafeBytes(of: count.bigEndian, Array.init)
            let signature = try key.signature(for: authData + Array(SHA256.hash(data: clientData))).derRepresentation
            return (clientData, authData, Array(signature))
        }
        let sample = try assertion()
        _ = try await measure("WebAuthn ES256 assertion verify (no DB)", iterations: 2_000) {
            _ = try WebAuthn.verifyAssertion(clientDataJSON: sample.clientData, authenticatorData: sample.authData, signature: sample.signature,
                                             credentialPublicKey: cose, storedSignCount: 0, expectedChallenge: challenge,
                                             relyingParty: relyingParty, requireUserVerification: false)
        }
        var keyContext = s.context
        keyContext.policy.webAuthnOrigin = "http://localhost:8080"
        // Signed ahead, so the measurement is the server's work only.
        var answers = try (0..<500).map { _ in
            let a = try assertion()
            return #"{"id":"YmVuY2g","type":"public-key","response":{"clientDataJSON":"\#(Base64URL.encode(a.clientData))","authenticatorData":"\#(Base64URL.encode(a.authData))","signature":"\#(Base64URL.encode(a.signature))"}}"#
        }.makeIterator()
        _ = try await measure("WebAuthn factor check (lookup + verify + counter UPDATE)", iterations: 500) {
            let json = answers.next()!
            let check = try await WebAuthnFactor().verify(.assertion(WebAuthnAnswer(assertionJSON: json, challenge: challenge)),
                                                          factor: keyFactor, context: keyContext)
            precondition(check == .accepted, "\(check)")
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
