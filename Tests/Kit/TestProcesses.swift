import Foundation

/// Runs a program found on PATH (oathtool, …) and returns its trimmed standard output.
public func run(_ program: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Blocks a thread until opened: holds work in flight so a test can see what queues behind it.
public final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    public init() {}

    public func wait() { condition.lock(); while !isOpen { condition.wait() }; condition.unlock() }
    public func open() { condition.lock(); isOpen = true; condition.broadcast(); condition.unlock() }
}
