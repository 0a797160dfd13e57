import Hummingbird
import PortcullisApp
import PortcullisCore

/// The user's remembered devices in settings (SPEC §5): "Forget" one, or "Forget all". The list is on the settings
/// page; forgetting this browser's own device also clears its cookie.
struct RememberedDevicesController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<SignedInContext>) {
        router.post("/settings/devices/forget-all") { request, context in try await forget(nil, request: request, context: context) }
        router.post("/settings/devices/:id/forget") { request, context in
            try await forget(context.parameters.require("id"), request: request, context: context)
        }
    }

    private func forget(_ deviceID: String?, request: Request, context: SignedInContext) async throws -> Response {
        let forgotten = try await app.rememberedDevices.forget(deviceID: deviceID, user: context.user, currentCookie: web.deviceCookie(request),
                                                               ip: context.clientIP)
        let notice: Notice = deviceID == nil ? .devicesForgotten : forgotten.count > 0 ? .deviceForgotten : .deviceNotFound
        return web.applying(forgotten.cookie, to: .seeOther(notice.location("/settings")))
    }
}
