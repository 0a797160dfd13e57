import Foundation

/// What an audit event records besides who, whom, when, why and from where — typed by kind of event. It is stored as
/// the event's flat `detail` map (`fields`), whose keys stay stable for whoever reads or exports the log. Never a
/// secret, code or password.
public enum AuditDetail: Sendable, Equatable {
    case none
    /// A sign-in step (`sign_in.*`, and `factor.failed` when no factor was reached).
    case signIn(SignInStep)
    /// One factor (`factor.*`, `code.inbound_confirmed`), at a sign-in stage or in a change.
    case factor(FactorEvent)
    /// A new backup code list.
    case backupCodesIssued(factorID: String, count: Int)
    /// An account lock: until when (nil: until an admin unlocks) and its escalation level.
    case locked(until: Date?, level: Int)
    /// A hardware token (`token.*`), with the factor that stands for it and the loan's due time.
    case token(serial: String, factorID: String? = nil, until: Date? = nil)
    case tokensImported(count: Int, source: String)
    /// An SMS or email code sent or refused (`code.*`).
    case code(channel: MessageChannel, factorID: String, purpose: CodePurpose? = nil)
    case userCreated(username: String, admin: Bool, operator: Bool, mfaRequired: Bool)
    case mfaRequirement(required: Bool)
    case roles(admin: Bool, operator: Bool)
    case organizationCreated(slug: String)
    case organizationUpdated(changed: [String])
    /// An API key created or revoked, with its scope (`verification` or `admin`).
    case apiKey(id: String, name: String? = nil, scope: APIKeyScope? = nil)
    /// Which of a user's fields an administrator changed (values are not recorded).
    case userUpdated(changed: [String])
    case userDeleted(username: String)
    case group(id: String, name: String, mfaRequired: Bool? = nil)
    /// An export of the audit log: its format and filter.
    case auditExported(format: String, query: AuditQuery)
    /// A step of a self-service recovery: what it is for, the username typed when it names no account, the factor
    /// type proven or tried.
    case recovery(purpose: RecoveryPurpose, username: String? = nil, factorType: FactorType? = nil)
    /// A remembered device (`device.remembered`): its id, name and when it expires.
    case rememberedDevice(id: String, name: String, until: Date)
    /// Remembered devices forgotten (`device.revoked`, `device.theft_suspected`): how many, and the one named when
    /// one was meant.
    case devicesRevoked(count: Int, deviceID: String? = nil)

    /// Where a sign-in step happened.
    public enum Stage: String, Sendable {
        case password, factor, completion
        case verificationAPI = "verification_api"
    }

    public struct SignInStep: Sendable, Equatable {
        public var stage: Stage?
        public var username: String?
        /// The authentication methods of a completed sign-in (RFC 8176).
        public var amr: [String]?
        /// The verification API key that asked.
        public var apiKeyID: String?
        /// The remembered device that stood in for the second factor, and whether its cookie was rotated
        /// (`rotated`) or repeated a request that had just rotated it (`grace`).
        public var rememberedDeviceID: String?
        public var deviceUse: String?
        /// The browser the sign-in completed in, by name, when the user had never signed in from it before.
        public var newBrowser: String?

        public init(stage: Stage? = nil, username: String? = nil, amr: [String]? = nil, apiKeyID: String? = nil,
                    rememberedDeviceID: String? = nil, deviceUse: String? = nil) {
            self.stage = stage
            self.username = username
            self.amr = amr
            self.apiKeyID = apiKeyID
            self.rememberedDeviceID = rememberedDeviceID
            self.deviceUse = deviceUse
        }
    }

    public struct FactorEvent: Sendable, Equatable {
        public var type: FactorType?
        public var factorID: String?
        public var stage: Stage?
        /// Why this factor went along with another (`no_possession_factor`).
        public var why: String?
        /// A security key's registration: its attestation format and whether the user was verified.
        public var attestation: String?
        public var userVerified: Bool?
        /// A technical error (a registration that failed, a factor that cannot be read): no user input in it.
        public var error: String?

        public init(_ factor: Factor? = nil, stage: Stage? = nil, why: String? = nil) {
            self.type = factor?.type
            self.factorID = factor?.id
            self.stage = stage
            self.why = why
        }
    }

    /// The stored form.
    public var fields: [String: String] {
        var f: [String: String] = [:]
        switch self {
        case .none: break
        case .signIn(let step):
            f["stage"] = step.stage?.rawValue
            f["username"] = step.username
            f["amr"] = step.amr?.joined(separator: " ")
            f["api_key_id"] = step.apiKeyID
            if step.apiKeyID != nil, step.amr != nil { f["via"] = Stage.verificationAPI.rawValue }
            f["remembered_device"] = step.rememberedDeviceID
            f["device_use"] = step.deviceUse
            f["new_browser"] = step.newBrowser
        case .factor(let event):
            f["factor"] = event.type?.rawValue
            f["factor_id"] = event.factorID
            f["stage"] = event.stage?.rawValue
            f["why"] = event.why
            f["attestation"] = event.attestation
            f["user_verified"] = event.userVerified.map { String($0) }
            f["error"] = event.error
        case .backupCodesIssued(let factorID, let count):
            f = ["factor_id": factorID, "count": String(count)]
        case .locked(let until, let level):
            f = ["until": until.map(Self.timestamp) ?? "admin", "level": String(level)]
        case .token(let serial, let factorID, let until):
            f = ["serial": serial]
            f["factor_id"] = factorID
            f["until"] = until.map(Self.timestamp)
        case .tokensImported(let count, let source):
            f = ["count": String(count), "source": source]
        case .code(let channel, let factorID, let purpose):
            f = ["factor": channel.rawValue, "factor_id": factorID]
            f["purpose"] = purpose?.rawValue
        case .userCreated(let username, let admin, let isOperator, let mfaRequired):
            f = ["username": username, "admin": String(admin), "operator": String(isOperator), "mfa_required": String(mfaRequired)]
        case .mfaRequirement(let required):
            f = ["required": String(required)]
        case .roles(let admin, let isOperator):
            f = ["admin": String(admin), "operator": String(isOperator)]
        case .organizationCreated(let slug):
            f = ["slug": slug]
        case .organizationUpdated(let changed):
            f = ["changed": changed.joined(separator: ",")]
        case .apiKey(let id, let name, let scope):
            f = ["api_key_id": id]
            f["name"] = name
            f["scope"] = scope?.rawValue
        case .userUpdated(let changed):
            f = ["changed": changed.joined(separator: ",")]
        case .userDeleted(let username):
            f = ["username": username]
        case .group(let id, let name, let mfaRequired):
            f = ["group_id": id, "group": name]
            f["mfa_required"] = mfaRequired.map { String($0) }
        case .auditExported(let format, let query):
            f = query.filterFields
            f["format"] = format
        case .recovery(let purpose, let username, let factorType):
            f = ["purpose": purpose.rawValue]
            f["username"] = username
            f["factor_type"] = factorType?.rawValue
        case .rememberedDevice(let id, let name, let until):
            f = ["device_id": id, "name": name, "until": Self.timestamp(until)]
        case .devicesRevoked(let count, let deviceID):
            f = ["count": String(count)]
            f["device_id"] = deviceID
        }
        return f
    }

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

extension AuditDetail.FactorEvent {
    /// A factor attempt refused before its factor was read (locked, disabled, too many in flight).
    public static func attempt(factorID: String) -> Self {
        var event = Self(stage: .factor)
        event.factorID = factorID
        return event
    }

    /// A stored factor whose parameters cannot be read.
    public static func unreadable(_ factor: Factor, _ error: any Error) -> Self {
        var event = Self(factor, stage: .factor)
        event.error = "\(error)"
        return event
    }

    public static func registered(_ factor: Factor, attestation: String, userVerified: Bool) -> Self {
        var event = Self(factor)
        event.attestation = attestation
        event.userVerified = userVerified
        return event
    }

    public static func registrationFailed(type: FactorType, _ error: String) -> Self {
        var event = Self()
        event.type = type
        event.error = error
        return event
    }
}
