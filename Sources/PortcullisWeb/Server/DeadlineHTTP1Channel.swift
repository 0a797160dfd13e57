import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 child channel with request deadlines added after its HTTP decoder (`RequestDeadlineHandler`,
/// which sees whole heads and a `ByteWatcher` in front, which sees bytes). Hummingbird's `additionalChannelHandlers`
/// go after its HTTP-types codec, where neither can be placed.
struct DeadlineHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel
    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let (headerTimeout, bodyTimeout) = (self.headerTimeout, self.bodyTimeout)
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let deadlines = RequestDeadlineHandler(headerTimeout: headerTimeout, bodyTimeout: bodyTimeout, logger: logger)
            try pipeline.addHandler(deadlines, position: .after(decoder.handler))
            try pipeline.addHandler(ByteWatcher { [weak deadlines] in deadlines?.bytesArrived() }, position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with Hummingbird's idle timeout for kept-alive connections, and deadlines for a request's head and body.
    static func http1(idleTimeout: TimeAmount, headerTimeout: TimeAmount, bodyTimeout: TimeAmount) -> HTTPServerBuilder {
        .init { responder in
            DeadlineHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: idleTimeout)),
                                 headerTimeout: headerTimeout, bodyTimeout: bodyTimeout)
        }
    }
}
