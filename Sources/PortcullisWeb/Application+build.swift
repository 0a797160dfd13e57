import Foundation
import Hummingbird
import Logging
import PortcullisApp
import PortcullisCore

/// Builds the HTTP application over assembled services: middleware (security headers, error pages, sessions, CSRF),
/// static assets and every controller; connections that are idle, or too slow to send a request, are closed.
public func buildApplication(_ app: Portcullis, logger: Logger = Logger(label: "portcullis")) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(app)
    let settings = app.configuration.server
    return Application(
        router: router,
        server: .http1(idleTimeout: .seconds(Int64(settings.idleTimeoutSeconds)),
                       headerTimeout: .seconds(Int64(settings.headerTimeoutSeconds)),
                       bodyTimeout: .seconds(Int64(settings.bodyTimeoutSeconds))),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Portcullis"),
        services: [MaintenanceService(app: app, logger: logger)],
        logger: logger)
}

/// Serves the web pages and APIs until the process is told to stop (SIGTERM, SIGINT), then shuts down gracefully.
public func serve(_ app: Portcullis, logger: Logger) async throws {
    try await buildApplication(app, logger: logger).runService()
}

/// The router alone, for tests that drive it without a socket.
public func buildRouter(_ app: Portcullis) async throws -> Router<AppRequestContext> {
    let pages = try await Pages()
    let server = app.configuration.server
    let cookies = CookieSettings(secure: server.secureCookies)
    let web = WebContext(app: app, pages: pages, cookies: cookies)
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: RequestMetricsMiddleware(metrics: app.metrics))
    if server.development, let canonical = CanonicalHostMiddleware<AppRequestContext>(baseURL: server.baseURL) {
        router.add(middleware: canonical)
    }
    router.add(middleware: SecurityHeadersMiddleware(hsts: server.baseURL.hasPrefix("https://")))
    router.add(middleware: ClientAddressMiddleware(trustProxy: server.trustProxy))
    router.add(middleware: ErrorPageMiddleware(pages: pages))
    // Each group has what its callers need: static files and health checks nothing, webhooks their provider's
    // signature, the verification API its own key and JSON errors, the admin API (`/api/v1`) its admin key and
    // problem documents, browser pages a session and CSRF-checked forms;
    // within those, each stage of a session its own typed context, checked once when the context is made.
    StaticAssetsController().register(on: router)
    HealthController(app: app).register(on: router)
    MetricsController(app: app).register(on: router)
    WebhookController(app: app).register(on: router.group())
    VerificationAPIController(app: app, presenters: web.presenters).register(on: router.group("/validate", context: APIRequestContext.self))
    try AdminAPI.register(app: app, on: router)
    let browser = router.group()
        .add(middleware: SessionMiddleware(app: app, cookies: cookies))
        .add(middleware: CSRFMiddleware(cookies: cookies, origin: origin(of: server.baseURL), random: app.random,
                                        tokens: CSRFTokens(key: app.factorContext.secrets.subkey(for: "csrf"))))
    let secondFactor = browser.group(context: SecondFactorContext.self)
    let signedIn = browser.group(context: SignedInContext.self)
    let passwordChange = browser.group(context: PasswordChangeContext.self)
    let admin = browser.group(context: AdminContext.self).add(middleware: AdminMiddleware(app: app))
    let signIn = SignInController(web: web)
    signIn.register(on: browser)
    signIn.register(secondFactor: secondFactor)
    // Enrollment serves both a sign-in that must enroll and a signed-in user adding a factor (`SignInFlow.mayEnroll`).
    for presenter in web.presenters.all { presenter.registerEnrollment(web: web, browser: browser, signedIn: signedIn) }
    AccountController(web: web).register(on: signedIn)
    RememberedDevicesController(web: web).register(on: signedIn)
    PasswordController(web: web).register(signedIn: signedIn)
    PasswordController(web: web).register(passwordChange: passwordChange)
    RecoveryController(web: web).register(on: browser)
    ChallengeController<SignedInContext>(web: web, mode: .stepUp).register(on: signedIn)
    AdminArea(web: web).register(on: admin)
    AdminUsersController(web: web).register(on: admin)
    AdminGroupsController(web: web).register(on: admin)
    AdminPolicyController(web: web).register(on: admin)
    AdminAPIKeysController(web: web).register(on: admin)
    AdminTokensController(web: web).register(on: admin)
    AdminAuditController(web: web).register(on: admin)
    if let outbox = app.outbox { DevOutboxController(web: web, outbox: outbox).register(on: browser) }
    return router
}

/// `scheme://host[:port]` of a URL, as browsers send it in `Origin`.
func origin(of url: String) -> String {
    guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return url }
    return components.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
}
