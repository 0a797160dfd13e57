import ArgumentParser
import Foundation
import Logging
import PortcullisApp
import PortcullisCore
import PortcullisWeb

/// `portcullis serve`: migrates, creates the first administrator if there is none, and runs the server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (migrates the database first).")

    @Option(help: "Address to listen on (default PORTCULLIS_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default PORTCULLIS_PORT or 8080).") var port: Int?

    func run() async throws {
        var logger = Logger(label: "portcullis")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        try await reporting {
            var configuration = try Configuration.load()
            if let host { configuration.server.host = host }
            if let port { configuration.server.port = port }
            if configuration.server.development {
                logger.warning("development mode: cookies without Secure over http, development key file allowed; never use in production")
            }
            _ = try configuration.secretBox()  // fail fast, before touching the database, when the key is missing
            try await Portcullis.run(configuration, logger: logger) { app in
                try await announceInitialAdmin(app, logger: logger)
                try await PortcullisWeb.serve(app, logger: logger)
            }
        }
    }

    /// On first start, creates the initial administrator and tells its password where no log can catch it.
    private func announceInitialAdmin(_ app: Portcullis, logger: Logger) async throws {
        let configuration = app.configuration
        if let admin = try await app.administration.bootstrap() {
            let notice = InitialAdminNotice(username: admin.username, password: admin.password,
                                            signInURL: configuration.server.baseURL + "/login")
            // On a terminal, shown once; anywhere else (where output ends up in logs) only a file's path is logged.
            switch InitialAdminNotice.destination(outputIsTerminal: isatty(STDOUT_FILENO) == 1, dataDirectory: configuration.storage.dataDirectory) {
            case .terminal:
                print("""

                    ┌ Initial administrator created ─────────────────────────────
                    │ username: \(admin.username)
                    │ password: \(admin.password)
                    │ Sign in at \(notice.signInURL) and set up two-step verification.
                    │ This password is shown only once.
                    └────────────────────────────────────────────────────────────

                    """)
                fflush(nil)
            case .file(let path):
                do {
                    try notice.write(toFile: path)
                    logger.notice("initial administrator created; its password is in a file only this user can read",
                                  metadata: ["username": "\(admin.username)", "file": "\(path)"])
                } catch {
                    logger.error("initial administrator created, but its password could not be saved; set one with `portcullis user set-password`",
                                 metadata: ["username": "\(admin.username)", "error": "\(error)"])
                }
            }
        }
    }
}
