import Logging
import NIOCore
import NIOHTTP1

/// Closes a connection whose client is too slow to send its request: the head must be complete within
/// `headerTimeout` of the connection opening (or, on a kept-alive connection, of the first byte of the next request),
/// and the body within `bodyTimeout` of the head. Between requests Hummingbird's idle timeout applies instead.
///
/// It sits right after NIO's HTTP/1 decoder, which only passes on whole heads; a `ByteWatcher` at the front of the
/// pipeline tells it when the first bytes of a request arrive.
final class RequestDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private enum State { case awaitingHead, readingBody, betweenRequests }

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let logger: Logger
    private var state = State.awaitingHead
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount, logger: Logger) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive, state == .awaitingHead { schedule(headerTimeout, "request head") }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if state == .awaitingHead, deadline == nil { schedule(headerTimeout, "request head") }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            state = .readingBody
            schedule(bodyTimeout, "request body")
        case .body:
            break
        case .end:
            state = .betweenRequests
            cancel()
        }
        context.fireChannelRead(data)
    }

    /// Bytes arrived (told by the `ByteWatcher`, before the decoder sees them): between requests, a new head begins.
    func bytesArrived() {
        guard state == .betweenRequests else { return }
        state = .awaitingHead
        schedule(headerTimeout, "request head")
    }

    private func schedule(_ timeout: TimeAmount, _ what: String) {
        cancel()
        guard let context else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, let context = self.context else { return }
            self.deadline = nil
            self.logger.debug("closing a slow connection", metadata: [
                "waited_for": "\(what)", "timeout_seconds": "\(timeout.nanoseconds / 1_000_000_000)",
                "remote": "\(context.channel.remoteAddress?.ipAddress ?? "unknown")",
            ])
            context.close(promise: nil)
        }
    }

    private func cancel() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Tells a `RequestDeadlineHandler` when bytes arrive. Placed first in the pipeline, before the HTTP decoder.
final class ByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let onBytes: () -> Void

    init(onBytes: @escaping () -> Void) {
        self.onBytes = onBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onBytes()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestDeadlineHandler: Sendable {}

@available(*, unavailable)
extension ByteWatcher: Sendable {}
