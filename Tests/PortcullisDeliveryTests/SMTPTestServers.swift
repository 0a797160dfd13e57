import Foundation
import Logging
import NIOCore
import NIOPosix
import PortcullisTestSupport
import Testing

@testable import PortcullisDelivery

// MARK: - Test servers

/// What `smtp_server.py` wrote for one received message.
struct ReceivedMail: Decodable {
    struct Auth: Decodable, Equatable {
        var mechanism: String
        var login: String
        var password: String
    }

    var mail_from: String
    var rcpt_tos: [String]
    var subject: String
    var from: String
    var to: String
    var date: String
    var message_id: String
    var mime_version: String
    var content_type: String
    var text: String?
    var html: String?
    var auth: Auth?
    var tls: Bool
    var max_line: Int
}

struct SMTPTestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// A port nobody listens on (bound, read, closed).
func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = try #require(channel.localAddress?.port)
    try await channel.close()
    return port
}

/// A self-signed certificate for `localhost` in a temporary directory (openssl).
struct TestCertificate {
    var directory: URL
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-smtp-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = TestCertificate(directory: directory)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-keyout", certificate.keyPath, "-out", certificate.certificatePath,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SMTPTestSetupError(description: "openssl req failed (status \(process.terminationStatus)); is openssl installed?")
        }
        return certificate
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// aiosmtpd (`smtp_server.py`) in a subprocess on a free port of 127.0.0.1, until `stop()`.
final class SMTPTestServer {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let python = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".venv/bin/python")

    let process: Process
    let directory: URL
    let port: Int
    private var outPath: URL { directory.appendingPathComponent("received.jsonl") }

    private init(process: Process, directory: URL, port: Int) {
        self.process = process
        self.directory = directory
        self.port = port
    }

    static func start(
        mode: String = "none", certificate: TestCertificate? = nil, user: String? = nil, password: String? = nil,
        onlyLogin: Bool = false, reject: [String] = []
    ) async throws -> SMTPTestServer {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw SMTPTestSetupError(description: "\(python.path) is missing: run `make deps-test` to create the venv with aiosmtpd")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        let logFile = directory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var arguments = [
            testsDirectory.appendingPathComponent("smtp_server.py").path, "--port-file", portFile.path,
            "--out", directory.appendingPathComponent("received.jsonl").path, "--mode", mode,
        ]
        if let certificate { arguments += ["--cert", certificate.certificatePath, "--key", certificate.keyPath] }
        if let user, let password { arguments += ["--user", user, "--password", password] }
        if onlyLogin { arguments.append("--only-login") }
        for address in reject { arguments += ["--reject", address] }

        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()

        // The script writes the port once its socket listens (accepts connections).
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return SMTPTestServer(process: process, directory: directory, port: port)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop(process)
        let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: directory)
        throw SMTPTestSetupError(
            description: "smtp_server.py did not start (is aiosmtpd installed? run `make deps-test`):\n\(output.suffix(2000))"
        )
    }

    /// The messages received so far, in order.
    func received() throws -> [ReceivedMail] {
        guard let text = try? String(contentsOf: outPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(ReceivedMail.self, from: Data($0.utf8)) }
    }

    func stop() {
        Self.stop(process)
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM, then SIGKILL after 3 s (a child may inherit a blocked SIGTERM from the spawning thread).
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<60 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The commands a scripted server received (first word, upper-cased; "." for the end of DATA).
final class CommandLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    var verbs: [String] { lock.withLock { storage } }
    func append(_ verb: String) { lock.withLock { storage.append(verb) } }
}

/// A NIO server that answers from a script: `greeting`, a command's first word, or "." (end of DATA) → the raw reply
/// (CRLFs included; "" for no answer). Unscripted commands get sensible defaults.
final class ScriptedSMTPServer {
    let channel: any Channel
    let commands: CommandLog
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel, commands: CommandLog) {
        self.channel = channel
        self.commands = commands
    }

    static func start(script: [String: String]) async throws -> ScriptedSMTPServer {
        let commands = CommandLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, commands: commands))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ScriptedSMTPServer(channel: channel, commands: commands)
    }

    func stop() { channel.close(promise: nil) }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let script: [String: String]
        let commands: CommandLog
        var buffer = ByteBuffer()
        var inData = false

        init(script: [String: String], commands: CommandLog) {
            self.script = script
            self.commands = commands
        }

        func channelActive(context: ChannelHandlerContext) {
            reply(script["greeting"] ?? "220 localhost ESMTP\r\n", context: context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            buffer.writeBuffer(&incoming)
            while let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let line = (buffer.readString(length: end - buffer.readerIndex + 1) ?? "")
                    .trimmingCharacters(in: .newlines)
                if inData {
                    guard line == "." else { continue }
                    inData = false
                    commands.append(".")
                    reply(script["."] ?? "250 2.0.0 Queued\r\n", context: context)
                    continue
                }
                let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
                commands.append(verb)
                let defaults = [
                    "EHLO": "250-localhost\r\n250 8BITMIME\r\n", "DATA": "354 End data with <CR><LF>.<CR><LF>\r\n",
                    "QUIT": "221 Bye\r\n",
                ]
                let answer = script[verb] ?? defaults[verb] ?? "250 OK\r\n"
                reply(answer, context: context)
                if verb == "DATA", answer.hasPrefix("354") { inData = true }
            }
            buffer.discardReadBytes()
        }

        private func reply(_ text: String, context: ChannelHandlerContext) {
            guard !text.isEmpty else { return }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
    }
}

