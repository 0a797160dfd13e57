import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Why the conversation stopped below the level of SMTP reply codes.
enum SMTPConnectionError: Error, Sendable {
    /// No complete reply within the reply timeout.
    case timeout
    /// The server closed the connection.
    case closed
    /// The server broke the protocol (malformed or overlong reply, data before the TLS handshake).
    case protocolViolation(String)
    /// An error from the channel: the socket or the TLS handshake.
    case channel(any Error)
}

/// Reads SMTP replies from the byte stream and hands them out one at a time, each within a timeout.
/// Lives on the channel's event loop; reach it through `NIOLoopBound`.
final class SMTPClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var buffer = ByteBuffer()
    private var reader = SMTPReplyReader()
    private var replies = CircularBuffer<SMTPReply>()
    private var waiter: (promise: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>)?
    private var failure: SMTPConnectionError?
    private var context: ChannelHandlerContext?

    /// Bytes or replies received but not yet asked for (must be none when TLS starts: RFC 3207 §4.2 / CVE-2011-0411).
    var hasUnconsumedInput: Bool { buffer.readableBytes > 0 || !replies.isEmpty || reader.isInsideReply }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard failure == nil else { return }
        buffer.writeBuffer(&incoming)
        parseLines()
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.channel(error))
        context.close(promise: nil)
    }

    /// The next reply, or a failure after `timeout` (which also closes the connection).
    func nextReply(timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if let reply = replies.popFirst() { return eventLoop.makeSucceededFuture(reply) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        precondition(waiter == nil, "one reply at a time")
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        let scheduled = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            fail(.timeout)
            context?.close(promise: nil)
        }
        waiter = (promise, scheduled)
        return promise.futureResult
    }

    /// Fails the waiting and every later request (first failure wins).
    func fail(_ error: SMTPConnectionError) {
        if failure == nil { failure = error }
        if let waiter {
            self.waiter = nil
            waiter.timeout.cancel()
            waiter.promise.fail(failure ?? error)
        }
    }

    private func parseLines() {
        while failure == nil {
            do throws(SMTPReplyReader.ReadError) {
                guard let reply = try reader.nextReply(from: &buffer) else { break }
                deliver(reply)
            } catch {
                switch error {
                case .lineTooLong: fail(.protocolViolation("reply line too long"))
                case .malformed(let error): fail(.protocolViolation("malformed reply (\(error))"))
                }
            }
        }
        buffer.discardReadBytes()
    }

    private func deliver(_ reply: SMTPReply) {
        if let waiter {
            self.waiter = nil
            waiter.timeout.cancel()
            waiter.promise.succeed(reply)
        } else {
            replies.append(reply)
        }
    }
}

/// One TCP (or TLS) connection to an SMTP server: send a line, await the reply, upgrade with STARTTLS, close.
///
/// Logs command verbs and reply codes at debug level, never arguments, credentials or message content.
struct SMTPConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<SMTPClientHandler>
    let replyTimeout: TimeAmount
    let logger: Logger

    /// Connects; with `implicitTLS` the TLS handler is in place before the first byte.
    static func connect(
        host: String,
        port: Int,
        implicitTLS: NIOSSLContext?,
        serverHostname: String?,
        connectTimeout: TimeAmount,
        replyTimeout: TimeAmount,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> SMTPConnection {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        let tls = try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPClientHandler())
                }
            }
            .connect(host: host, port: port)
            .get()
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self), eventLoop: channel.eventLoop)
            }.get()
            return SMTPConnection(channel: channel, handler: handler, replyTimeout: replyTimeout, logger: logger)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// Waits for the next reply (the greeting, or the answer to what was just sent).
    func readReply(timeout: TimeAmount? = nil) async throws -> SMTPReply {
        let handler = self.handler
        let timeout = timeout ?? replyTimeout
        let reply = try await handler.eventLoop.flatSubmit {
            handler.value.nextReply(timeout: timeout, on: handler.eventLoop)
        }.get()
        logger.debug("SMTP reply", metadata: ["smtp.reply": "\(reply.code)"])
        return reply
    }

    /// Sends one command line (CRLF added) and returns the reply. `verb` is what the log shows instead of the line.
    func command(_ line: String, verb: String, timeout: TimeAmount? = nil) async throws -> SMTPReply {
        logger.debug("SMTP command", metadata: ["smtp.command": "\(verb)"])
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line)
        buffer.writeString("\r\n")
        write(buffer)
        return try await readReply(timeout: timeout)
    }

    /// Sends raw bytes (the dot-stuffed message, already ending with `.` CRLF) and returns the reply.
    func sendData(_ bytes: [UInt8]) async throws -> SMTPReply {
        logger.debug("SMTP data", metadata: ["smtp.bytes": "\(bytes.count)"])
        write(channel.allocator.buffer(bytes: bytes))
        return try await readReply()
    }

    /// Puts TLS under the conversation after the server's 220 to STARTTLS. Refuses if the server sent anything more
    /// in plain text (it would otherwise be taken as coming over TLS).
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let handler = self.handler
        let channel = self.channel
        try await channel.eventLoop.submit {
            guard !handler.value.hasUnconsumedInput else {
                throw SMTPConnectionError.protocolViolation("the server sent data after its STARTTLS reply")
            }
            let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
        }.get()
    }

    func close() async {
        try? await channel.close()
    }

    private func write(_ buffer: ByteBuffer) {
        let handler = self.handler
        channel.writeAndFlush(buffer).whenFailure { error in
            handler.value.fail(.channel(error))
        }
    }
}
