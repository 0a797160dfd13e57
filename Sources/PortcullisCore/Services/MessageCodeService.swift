import Foundation
import PortcullisCrypto

/// Why a code could not be sent; worded by each front through the error catalog.
public enum CodeSendProblem: String, DomainError, Equatable, CaseIterable {
    /// The factor has no destination codes can be sent to.
    case cannotReceive = "code.cannot_receive"
    /// The factor was removed while its code was being sent.
    case factorRemoved = "code.factor_removed"
    /// A send limit (per user, destination, network or organization) was reached.
    case limitReached = "code.limit_reached"
    /// The provider refused the destination (invalid or unreachable).
    case destinationRefused = "code.destination_refused"
    /// The provider is down, timed out, refused our credentials or is not configured.
    case providerUnavailable = "code.provider_unavailable"
    /// The provider throttled us.
    case providerThrottled = "code.provider_throttled"

    public var code: String { rawValue }
    public var kind: ErrorKind {
        switch self {
        case .cannotReceive, .destinationRefused: .invalid
        case .factorRemoved: .notFound
        case .limitReached, .providerThrottled: .limited
        case .providerUnavailable: .unavailable
        }
    }
}

/// A code could not be delivered: the problem, plus the provider's detail for the audit log.
public struct CodeDeliveryFailure: DomainError, Equatable {
    public var problem: CodeSendProblem
    /// Safe to log: status and provider codes, never the message or the code.
    public var detail: String

    public init(_ problem: CodeSendProblem, detail: String) {
        self.problem = problem
        self.detail = detail
    }

    public var code: String { problem.code }
    public var kind: ErrorKind { problem.kind }
}

/// What a code message is for, which decides its wording.
public enum CodePurpose: String, Sendable {
    case signIn = "sign_in"
    case enrollment
}

/// Sends a code over a factor's channel. Implemented over the configured SMS and email providers; throws
/// `CodeDeliveryFailure` when a provider fails or is not configured.
public protocol CodeDelivery: Sendable {
    func deliver(_ channel: MessageChannel, to destination: String, code: String, purpose: CodePurpose, organization: Organization) async throws
}

/// Sends SMS and email codes with the resend cooldown and the send limits per user, destination, IP and organization
/// (hourly and daily, counted in the database so they hold across nodes). Asking for a new code never touches the
/// account's failure counters.
public struct MessageCodeService: Sendable {
    let context: FactorContext
    let delivery: any CodeDelivery
    let audit: AuditLog
    let methods: FactorMethods

    public init(context: FactorContext, delivery: any CodeDelivery, audit: AuditLog, methods: FactorMethods? = nil) {
        self.context = context
        self.delivery = delivery
        self.audit = audit
        self.methods = methods ?? .forPolicy(context.policy)
    }

    public enum SendOutcome: Sendable, Equatable {
        case sent(MessageChallenge)
        /// A code was sent moments ago; a new one may be asked for in this many seconds.
        case coolingDown(seconds: Int)
        /// Not sent, and why (a send limit, a removed factor, the provider).
        case refused(CodeSendProblem)
    }


    /// Sends a fresh code for `factor` (an SMS or email factor), replacing any earlier one. With `inbound`, the
    /// challenge also gets a code the user may text to the organization's number instead.
    public func send(factor: Factor, user: User, organization: Organization, purpose: CodePurpose, ip: String, inbound: Bool = false) async throws -> SendOutcome {
        guard let method = methods[factor.type] as? any MessageCodeFactor, let destination = try? method.destination(of: factor) else {
            return .refused(.cannotReceive)
        }
        let now = context.clock.now
        let settings = context.policy.applying(organization).messageCodes
        let channel = method.channel.rawValue
        let buckets: [(key: String, limit: SendLimit, what: String)] = [
            ("send:\(channel):user:\(user.id)", settings.perUser, "user"),
            ("send:\(channel):to:\(destination)", settings.perDestination, "destination"),
            ("send:\(channel):ip:\(ip)", settings.perIP, "ip"),
            ("send:\(channel):org:\(organization.id)", settings.perOrganization, "organization"),
        ]
        // 1. Every send limit is reserved before anything else, so a burst passes at most the limit.
        var reserved: [(key: String, window: TimeInterval)] = []
        for bucket in buckets {
            for (suffix, limit, window) in [(":h", bucket.limit.hour, 3600.0), (":d", bucket.limit.day, 86400.0)] {
                guard try await rateLimits.reserve(key: bucket.key + suffix, limit: limit, window: window, now: now) else {
                    try await release(reserved, at: now)
                    try await audit.record(.codeSendRefused, organizationID: organization.id, userID: user.id, actor: .user(user.id), reason: "\(bucket.what)_limit", ip: ip,
                                           detail: .code(channel: method.channel, factorID: factor.id))
                    return .refused(.limitReached)
                }
                reserved.append((bucket.key + suffix, window))
            }
        }
        // 2. The cooldown: the new challenge takes the place of the factor's earlier one in one conditional
        //    statement, only when that one was used or is older than the cooldown; of racing requests one wins.
        let code = Self.digits(settings.digits, random: context.random)
        let salt = context.random.bytes(16)
        let challenge = MessageChallenge(
            id: context.random.identifier(), userID: user.id, factorID: factor.id,
            codeHash: try await context.hasher.rawHash(code, salt: salt), salt: salt, createdAt: now,
            expiresAt: now.addingTimeInterval(settings.lifetime),
            inboundCode: inbound && method.acceptsInboundReplies ? Self.digits(6, random: context.random) : nil)
        let stored: Bool
        do {
            stored = try await context.challenges.reserve(challenge, cooldownSince: now.addingTimeInterval(-settings.resendCooldown))
        } catch {
            // The factor was removed meanwhile (its challenge's foreign key fails): nothing is sent.
            guard try await context.factors.find(id: factor.id, userID: user.id) == nil else { throw error }
            try await release(reserved, at: now)
            return .refused(.factorRemoved)
        }
        guard stored else {
            try await release(reserved, at: now)
            let last = try await context.challenges.latest(factorID: factor.id)
            let wait = last.map { $0.createdAt.addingTimeInterval(settings.resendCooldown).timeIntervalSince(now) } ?? settings.resendCooldown
            return .coolingDown(seconds: max(1, Int(wait.rounded(.up))))
        }
        // 3. Only now the provider is called; nothing after it can fail the request but the audit record.
        do {
            try await delivery.deliver(method.channel, to: destination, code: code, purpose: purpose, organization: organization)
        } catch let failure as CodeDeliveryFailure {
            try await context.challenges.delete(id: challenge.id)
            try await release(reserved, at: now)
            try await audit.record(.codeSendFailed, organizationID: organization.id, userID: user.id, actor: .user(user.id), reason: failure.detail, ip: ip,
                                   detail: .code(channel: method.channel, factorID: factor.id))
            return .refused(failure.problem)
        }
        try await audit.record(.codeSent, organizationID: organization.id, userID: user.id, actor: .user(user.id), ip: ip,
                               detail: .code(channel: method.channel, factorID: factor.id, purpose: purpose))
        return .sent(challenge)
    }

    private var rateLimits: any RateLimitRepository { context.repositories.rateLimits }

    /// Whether the user texted back the code of their SMS factor's live challenge (the inbound confirmation the
    /// challenge page waits for).
    public func inboundConfirmed(factorID: String, userID: String) async throws -> Bool {
        guard let factor = try await context.factors.find(id: factorID, userID: userID), factor.confirmed,
              let challenge = try await context.challenges.latest(factorID: factor.id) else { return false }
        return challenge.inboundConfirmedAt != nil && challenge.consumedAt == nil
    }

    /// The latest code sent for a factor, used or not (what the challenge page shows: sent when, inbound code).
    public func latest(factorID: String) async throws -> MessageChallenge? {
        try await context.repositories.challenges.latest(factorID: factorID)
    }

    /// Gives back send-limit slots of a request that sent nothing.
    private func release(_ slots: [(key: String, window: TimeInterval)], at now: Date) async throws {
        for slot in slots { try await rateLimits.release(key: slot.key, window: slot.window, reservedAt: now) }
    }

    /// Inbound SMS: the text `body` from `from` confirms the live challenge whose inbound code it carries, if the
    /// challenge's factor is that phone number.
    public func confirmInbound(from: String, body: String) async throws -> Bool {
        let code = OneTimePassword.normalize(body)
        guard code.count == 6 else { return false }
        let now = context.clock.now
        guard let challenge = try await context.challenges.findInbound(code: code, at: now),
              let user = try await context.repositories.users.find(id: challenge.userID),
              let factor = try await context.factors.find(id: challenge.factorID, userID: challenge.userID),
              let method = methods[factor.type] as? any MessageCodeFactor, method.acceptsInboundReplies,
              let phone = try? method.destination(of: factor), constantTimeEquals(phone, from) else { return false }
        try await context.challenges.markInboundConfirmed(id: challenge.id, at: now)
        try await audit.record(.inboundSMSConfirmed, organizationID: user.organizationID, userID: user.id, actor: .user(user.id),
                               detail: .factor(.init(factor)))
        return true
    }

    static func digits(_ count: Int, random: any RandomSource) -> String {
        String((0..<count).map { _ in Character(String(random.uniform(10))) })
    }
}
