import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

/// A raw TCP client for the live server: sends exactly the bytes given, then waits for the server to close.
enum RawClient {
    struct Outcome {
        /// Everything the server sent.
        let received: String
        /// When the server closed the connection, from the last byte sent; nil when it was still open at the limit.
        let closedAfter: Duration?
        /// When it closed, from before the client began to connect: no deadline of the server can have started
        /// earlier, so this is what a lower bound compares with (on a loaded machine the connect and the write may
        /// take a while after the server accepted).
        var openFor: Duration? = nil
    }

    /// What the client does once it has sent its bytes.
    enum Then { case wait, hangUp, reset }

    /// Connects to `localhost:port`, sends `request`, and reads until the server closes the connection or `limit`
    /// passes. With `.hangUp` the client itself closes right after sending (a request aborted mid-way); with `.reset`
    /// it resets the connection (RST).
    static func exchange(port: Int, _ request: String, limit: Duration, then: Then = .wait) async throws -> Outcome {
        let connecting = ContinuousClock.now
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "localhost", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            if !request.isEmpty { try await outbound.write(ByteBuffer(string: request)) }
            let sent = ContinuousClock.now
            if then == .reset, let socket = channel.channel as? SocketOptionProvider {
                try await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            if then != .wait { return Outcome(received: "", closedAfter: .zero) }
            return try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    var received = ""
                    do {
                        for try await buffer in inbound { received += String(buffer: buffer) }
                    } catch {
                        // A reset counts as closed too.
                    }
                    let now = ContinuousClock.now
                    return Outcome(received: received, closedAfter: now - sent, openFor: now - connecting)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return Outcome(received: "", closedAfter: nil)
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
        }
    }
}

@Suite("Connection timeouts on a live server")
struct ConnectionTimeoutTests {
    /// Runs `body` against a live server on a free port with short timeouts: 1 s for a head and a body, 3 s idle.
    static func live(_ body: @escaping @Sendable (TestApp, Int, any TestClientProtocol) async throws -> Void) async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db) {
                $0.server.headerTimeoutSeconds = 1
                $0.server.bodyTimeoutSeconds = 1
                $0.server.idleTimeoutSeconds = 3
            }
            let application = try await buildApplication(test.app, logger: test.logs.logger())
            try await application.test(.live) { client in
                try await body(test, try #require(client.port), client)
            }
        }
    }

    @Test("Timeouts come from the environment, with defaults")
    func configuration() throws {
        let defaults = try Configuration.load(environment: [:], directory: "/nonexistent")
        #expect(defaults.server.headerTimeoutSeconds == 10 && defaults.server.bodyTimeoutSeconds == 30 && defaults.server.idleTimeoutSeconds == 60)
        let set = try Configuration.load(environment: ["PORTCULLIS_HEADER_TIMEOUT_SECONDS": "5", "PORTCULLIS_BODY_TIMEOUT_SECONDS": "20",
                                                       "PORTCULLIS_IDLE_TIMEOUT_SECONDS": "120"], directory: "/nonexistent")
        #expect(set.server.headerTimeoutSeconds == 5 && set.server.bodyTimeoutSeconds == 20 && set.server.idleTimeoutSeconds == 120)
        #expect(throws: ConfigurationError.self) { try Configuration.load(environment: ["PORTCULLIS_HEADER_TIMEOUT_SECONDS": "0"], directory: "/nonexistent") }
    }

    @Test("Complete requests work, and a kept-alive connection outlives the header deadline between requests")
    func completeRequests() async throws {
        try await Self.live { _, port, client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let answered = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(1500))
            do {
                #expect(try await client.execute(uri: "/login", method: .get).status == .ok, "same connection, past the 1 s head deadline")
            } catch {
                // Only a machine so loaded that the pause outgrew the 3 s idle timeout excuses a closed connection.
                let idle = ContinuousClock.now - answered
                #expect(idle > .milliseconds(2900), "closed after \(idle) idle, before the idle timeout: \(error)")
            }
            let raw = try await RawClient.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", limit: .seconds(8))
            #expect(raw.received.hasPrefix("HTTP/1.1 200"))
            let closed = try #require(raw.closedAfter, "closed once idle")
            #expect(closed > .milliseconds(2500) && closed < .seconds(7), "idle timeout, not the head deadline: \(closed)")
        }
    }

    @Test("Connections that send half a request head, or nothing, are closed at the head deadline")
    func halfHeaders() async throws {
        try await Self.live { test, port, _ in
            let outcomes = try await withThrowingTaskGroup(of: RawClient.Outcome.self) { group in
                for index in 0..<40 {
                    let partial = index == 0 ? "" : "GET /login HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                    group.addTask { try await RawClient.exchange(port: port, partial, limit: .seconds(6)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 40)
            for outcome in outcomes {
                let closed = try #require(outcome.closedAfter, "still open after 6 s")
                let open = try #require(outcome.openFor)
                #expect(open > .milliseconds(800) && closed < .milliseconds(2800), "closed \(closed) after sending, \(open) after connecting")
                #expect(outcome.received.isEmpty)
            }
            #expect(test.logs.text.contains("debug closing a slow connection"))
        }
    }

    @Test("A request whose body stalls is closed at the body deadline; aborted requests are logged at debug level")
    func slowAndAbortedBodies() async throws {
        try await Self.live { test, port, _ in
            // A well-formed CSRF cookie, so that the form body is read (and the read breaks off).
            let cookie = Base64URL.encode([UInt8](repeating: 7, count: 32))
            let head = "POST /login HTTP/1.1\r\nHost: localhost\r\nCookie: portcullis_csrf=\(cookie)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
            let stalled = try await RawClient.exchange(port: port, head + "csrf=abc&username=", limit: .seconds(6))
            let closed = try #require(stalled.closedAfter, "still open after 6 s")
            let open = try #require(stalled.openFor)
            #expect(open > .milliseconds(800) && closed < .milliseconds(2800), "closed \(closed) after sending, \(open) after connecting")

            _ = try await RawClient.exchange(port: port, head + "csrf=abc", limit: .seconds(1), then: .hangUp)
            _ = try await RawClient.exchange(port: port, head + "csrf=abc", limit: .seconds(1), then: .reset)
            // The server notices the aborted requests a moment later.
            for _ in 0..<50 where test.logs.text.components(separatedBy: "debug request aborted").count < 4 {
                try await Task.sleep(for: .milliseconds(100))
            }
            let logs = test.logs.text
            #expect(logs.components(separatedBy: "debug request aborted").count == 4, "all three aborts logged at debug: \(logs)")
            #expect(!logs.contains("request failed"))
            #expect(!logs.split(separator: "\n").contains { $0.hasPrefix("error ") || $0.hasPrefix("critical ") })
        }
    }
}
