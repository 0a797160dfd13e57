/// Lets one SQLite transaction at a time into the database from this process, in arrival order. SQLite has one
/// writer anyway; waiting here (a suspended task) instead of in SQLite's busy handler (a blocked thread, sleeping
/// in growing steps) keeps threads free and hands the lock over at once.
actor TransactionGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
