import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Threads of their own for CPU-bound jobs (password hashes), at a lower scheduling priority (nice +10) than the
/// threads that serve requests.
///
/// On a machine whose cores are all hashing, a cheap request (a code check) still needs the event loops, the
/// cooperative pool and the database threads for a moment at each step; at equal priority each of those steps can
/// wait for a hash's time slice, so every cheap request would take as long as a hash. At a lower priority the hashes
/// yield the core the moment other work is ready and take back every idle cycle, so they run just as many per second.
/// Threads are started on demand (never more than the jobs running at once, which `WorkLimiter` bounds) and kept.
final class BackgroundThreads: @unchecked Sendable {
    static let shared = BackgroundThreads(nice: 10)

    private let nice: Int32
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var idle = 0

    init(nice: Int32) {
        self.nice = nice
    }

    /// Runs `job` on one of the threads, starting a new one when none is idle.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        if idle >= jobs.count {
            condition.signal()
            condition.unlock()
            return
        }
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "portcullis-hash"
        thread.start()
    }

    private func loop() {
        #if os(Linux)
        // On Linux the nice value is per thread: `who` 0 is this thread, not the process.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
        #endif
        while true {
            condition.lock()
            while jobs.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
