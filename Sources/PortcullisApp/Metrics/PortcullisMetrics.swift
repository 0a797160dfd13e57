import CoreMetrics
import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import Prometheus

/// The Prometheus metrics (SPEC §8), one registry per server, exposed at `/metrics` in the text format.
///
/// The security counters are fed from the audit events as they are written (`AuditObserver`), so the metrics and the
/// audit log never disagree: sign-ins by outcome, factor checks by type and outcome, lockouts, codes sent by channel
/// and outcome. The password-hash queue reports its depth and each job's wait (`WorkLimiterObserver`), the store each
/// statement's duration by kind (`StatementObserver`); the web front times requests by route through `factory`
/// (swift-metrics over this registry, no global bootstrap, so each server and each test has its own figures).
public final class PortcullisMetrics: AuditObserver, WorkLimiterObserver, StatementObserver, Sendable {
    public let registry: PrometheusCollectorRegistry
    /// For swift-metrics users (the HTTP timers); a factory per server, no global bootstrap.
    public let factory: PrometheusMetricsFactory
    private let hashQueueDepth: Prometheus.Gauge
    private let hashWait: Prometheus.DurationHistogram
    /// Made once per kind: statements are the hottest thing measured.
    private let statementDurations: [String: Prometheus.DurationHistogram]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.registry = registry
        self.factory = factory
        hashQueueDepth = registry.makeGauge(name: "portcullis_password_hash_queue_depth",
                                            help: "Password hashes waiting for a thread.")
        hashWait = registry.makeDurationHistogram(name: "portcullis_password_hash_wait_seconds", buckets: factory.defaultDurationHistogramBuckets,
                                                  help: "How long each password hash waited for a thread.")
        statementDurations = Dictionary(uniqueKeysWithValues: ["select", "insert", "update", "delete", "other"].map { kind in
            (kind, registry.makeDurationHistogram(name: "portcullis_db_statement_duration_seconds", labels: [("kind", kind)],
                                                  buckets: factory.defaultDurationHistogramBuckets, help: "Database statement durations by kind."))
        })
        // Every series that exists from the start, at zero, so a scrape shows them before the first event.
        for outcome in ["success", "failure", "throttled"] { _ = signIns(outcome) }
        _ = lockouts
    }

    /// The text format, for `/metrics`.
    public func exposition() -> String { registry.emitToString() }

    // MARK: Audit events

    public func observe(_ events: [AuditEvent]) {
        for event in events {
            let happened: AuditEventType = event.type  // an audit event's type, not a factor type
            switch happened {
            case .signInSucceeded: signIns("success").increment()
            case .signInFailed: signIns("failure").increment()
            case .ipThrottled: signIns("throttled").increment()
            case .factorSucceeded, .factorFailed:
                factorChecks(type: event.detail["factor"] ?? "unknown", outcome: happened == .factorSucceeded ? "success" : "failure").increment()
            case .accountLocked: lockouts.increment()
            case .codeSent, .codeSendFailed, .codeSendRefused:
                let outcome = happened == .codeSent ? "sent" : happened == .codeSendFailed ? "failed" : "refused"
                codesSent(channel: event.detail["factor"] ?? "unknown", outcome: outcome).increment()
            default: break
            }
        }
    }

    private func signIns(_ outcome: String) -> Prometheus.Counter {
        registry.makeCounter(name: "portcullis_sign_ins_total", labels: [("outcome", outcome)],
                             help: "Sign-in attempts (password step and verification API) by outcome.")
    }

    private func factorChecks(type: String, outcome: String) -> Prometheus.Counter {
        registry.makeCounter(name: "portcullis_factor_checks_total", labels: [("type", type), ("outcome", outcome)],
                             help: "Second-factor checks by factor type and outcome.")
    }

    private var lockouts: Prometheus.Counter {
        registry.makeCounter(name: "portcullis_lockouts_total", help: "Accounts locked after failed attempts.")
    }

    private func codesSent(channel: String, outcome: String) -> Prometheus.Counter {
        registry.makeCounter(name: "portcullis_codes_sent_total", labels: [("channel", channel), ("outcome", outcome)],
                             help: "SMS and email codes by channel and outcome (sent, failed at the provider, refused by a limit).")
    }

    // MARK: HTTP

    /// Records one request's duration in `portcullis_http_request_duration_seconds` (a swift-metrics timer on this
    /// server's factory, a Prometheus histogram underneath).
    public func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let timer = CoreMetrics.Timer(label: "portcullis_http_request_duration_seconds",
                                      dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
        let (seconds, attoseconds) = duration.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    // MARK: Database

    public func statementFinished(kind: String, duration: Duration) {
        (statementDurations[kind] ?? statementDurations["other"])?.record(duration)
    }

    // MARK: Password-hash queue

    public func queueChanged(depth: Int) { hashQueueDepth.set(to: Double(depth)) }
    public func waited(_ duration: Duration) { hashWait.record(duration) }
}
