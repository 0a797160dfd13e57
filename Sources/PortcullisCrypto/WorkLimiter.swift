import Dispatch
import Foundation

/// Bounds how many expensive jobs (password hashes) run at once and how many may wait.
///
/// Jobs beyond `maxConcurrent` wait in a FIFO queue of at most `maxQueued`; past that, `run` throws
/// `WorkLimiterError.overloaded` at once, so a flood of sign-ins is answered with 503 instead of exhausting memory.
/// Jobs run on `BackgroundThreads`, at a lower priority than requests, never on the cooperative thread pool that
/// serves them.
public actor WorkLimiter {
    public let maxConcurrent: Int
    public let maxQueued: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(maxConcurrent: Int, maxQueued: Int) {
        precondition(maxConcurrent > 0 && maxQueued >= 0)
        self.maxConcurrent = maxConcurrent
        self.maxQueued = maxQueued
    }

    public func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            BackgroundThreads.shared.submit {
                continuation.resume(with: Result { try job() })
            }
        }
    }

    /// Jobs running and waiting now (for metrics and tests).
    public var load: (running: Int, queued: Int) { (running, waiters.count) }

    private func acquire() async throws {
        if running < maxConcurrent {
            running += 1
            return
        }
        guard waiters.count < maxQueued else { throw WorkLimiterError.overloaded }
        await withCheckedContinuation { waiters.append($0) }
        // The releasing job handed its slot over to us; `running` is unchanged.
    }

    private func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

public enum WorkLimiterError: Error {
    /// Too many jobs are running and waiting; try again shortly.
    case overloaded
}
