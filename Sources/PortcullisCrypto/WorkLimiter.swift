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
    private let observer: (any WorkLimiterObserver)?

    public init(maxConcurrent: Int, maxQueued: Int, observer: (any WorkLimiterObserver)? = nil) {
        precondition(maxConcurrent > 0 && maxQueued >= 0)
        self.maxConcurrent = maxConcurrent
        self.maxQueued = maxQueued
        self.observer = observer
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
            observer?.waited(.zero)
            return
        }
        guard waiters.count < maxQueued else { throw WorkLimiterError.overloaded }
        let start = ContinuousClock.now
        await withCheckedContinuation {
            waiters.append($0)
            observer?.queueChanged(depth: waiters.count)
        }
        // The releasing job handed its slot over to us; `running` is unchanged.
        observer?.waited(ContinuousClock.now - start)
    }

    private func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
            observer?.queueChanged(depth: waiters.count)
        }
    }
}

public enum WorkLimiterError: Error {
    /// Too many jobs are running and waiting; try again shortly.
    case overloaded
}

/// Told how the queue moves, for metrics: its depth when a job joins or leaves it, and how long each job waited for
/// its slot (zero when one was free). Called on the limiter's actor; must not block.
public protocol WorkLimiterObserver: Sendable {
    func queueChanged(depth: Int)
    func waited(_ duration: Duration)
}
