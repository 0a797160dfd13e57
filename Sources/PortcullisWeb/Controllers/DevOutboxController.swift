import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore
import PortcullisDelivery

/// `/dev/outbox`: the SMS and email a development server would have sent. Registered only in development mode.
struct DevOutboxController {
    let web: WebContext
    let outbox: Outbox

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/dev/outbox") { _, context in
            let messages = outbox.messages().map { message in
                OutboxMessageView(kind: message.kind.rawValue, to: message.to, subject: message.subject, body: message.body,
                                  time: Factor.format(message.time))
            }
            return web.pages.render(OutboxPage(messages: messages, empty: messages.isEmpty), context: context)
        }
    }
}
