import Foundation

extension OrganizationPolicy {
    /// Why a policy was refused; the settings page, the API and the command line all check with `validate()`.
    public enum PolicyError: DomainError, Equatable {
        /// At least one factor type that counts towards MFA must stay allowed.
        case noPossessionFactorType
        case outOfRange(setting: String, minimum: Int, maximum: Int)
        case unknownTimeZone(String)
        case invalidInboundNumber(String)
        case invalidEmailDomain(String)
        /// Challenge questions are on with fewer questions to pick from than users must answer.
        case tooFewQuestions(needed: Int)
        /// A question that is empty, over 200 characters, or a duplicate.
        case invalidQuestion(String)

        public var code: String {
            switch self {
            case .noPossessionFactorType: "policy.no_possession_factor"
            case .outOfRange: "policy.out_of_range"
            case .unknownTimeZone: "policy.unknown_time_zone"
            case .invalidInboundNumber: "policy.invalid_inbound_number"
            case .invalidEmailDomain: "policy.invalid_email_domain"
            case .tooFewQuestions: "policy.too_few_questions"
            case .invalidQuestion: "policy.invalid_question"
            }
        }

        public var kind: ErrorKind { .invalid }

        public var arguments: [String: String] {
            switch self {
            case .noPossessionFactorType: [:]
            case .outOfRange(let setting, let minimum, let maximum): ["setting": setting, "minimum": String(minimum), "maximum": String(maximum)]
            case .unknownTimeZone(let zone): ["zone": zone]
            case .invalidInboundNumber(let number): ["number": number]
            case .invalidEmailDomain(let domain): ["domain": domain]
            case .tooFewQuestions(let needed): ["count": String(needed)]
            case .invalidQuestion(let question): ["question": String(question.prefix(80))]
            }
        }
    }

    /// The ranges each number may take (the policy page's inputs use them too).
    public static let ranges: [String: ClosedRange<Int>] = [
        "recommendedFactorCount": 1...5, "lockoutThreshold": 1...100, "lockoutMinutes": 1...10_080, "lockoutEscalation": 1...10,
        "lockoutMaxMinutes": 1...525_600, "lockoutFailureCap": 1...100, "codeDigits": 6...10, "codeLifetimeMinutes": 1...60,
        "resendCooldownSeconds": 0...3600, "backupCodeCount": 5...20, "totpDigits": 6...8, "totpPeriod": 15...120, "totpDrift": 0...5,
        "patternGridSize": 3...5, "sendsPerUserHour": 1...1000, "sendsPerUserDay": 1...10_000,
        "sendsPerOrganizationHour": 1...1_000_000, "sendsPerOrganizationDay": 1...10_000_000,
        "passwordMinLengthMFA": 8...64, "passwordMinLength": 8...64, "passwordMaxLength": 64...1024, "passwordCharacterClasses": 0...4,
        "passwordMaxAgeDays": 0...3650, "passwordExpiryWarningDays": 0...90, "rememberDeviceDays": 0...365, "recoveryFactors": 1...2,
        "challengeQuestionCount": 1...5,
    ]

    /// The numbers as the policy page and the command line name them.
    public var numbers: [String: Int] {
        [
            "recommendedFactorCount": recommendedFactorCount, "lockoutThreshold": lockoutThreshold,
            "lockoutMinutes": Int(lockoutDuration / 60), "lockoutEscalation": Int(lockoutEscalation),
            "lockoutMaxMinutes": Int(lockoutMaxDuration / 60), "lockoutFailureCap": lockoutFailureCap,
            "codeDigits": messageCodes.digits, "codeLifetimeMinutes": Int(messageCodes.lifetime / 60),
            "resendCooldownSeconds": Int(messageCodes.resendCooldown), "backupCodeCount": backupCodeCount,
            "totpDigits": totp.digits, "totpPeriod": totp.period, "totpDrift": totp.drift, "patternGridSize": patternGridSize,
            "sendsPerUserHour": messageCodes.perUser.hour, "sendsPerUserDay": messageCodes.perUser.day,
            "sendsPerOrganizationHour": messageCodes.perOrganization.hour, "sendsPerOrganizationDay": messageCodes.perOrganization.day,
            "passwordMinLengthMFA": password.minimumLengthWithMFA, "passwordMinLength": password.minimumLengthWithoutMFA,
            "passwordMaxLength": password.maximumLength, "passwordCharacterClasses": password.characterClasses,
            "passwordMaxAgeDays": password.maximumAgeDays, "passwordExpiryWarningDays": password.expiryWarningDays,
            "rememberDeviceDays": rememberDeviceDays, "recoveryFactors": recovery.factorsRequired,
            "challengeQuestionCount": challengeQuestions.count,
        ]
    }

    /// Sets one of `numbers` by name; false for a name that is not one.
    public mutating func set(_ name: String, to value: Int) -> Bool {
        // Out of every range but safe to multiply: `validate()` then refuses it with the setting's name.
        let value = min(max(value, -1), 100_000_000)
        switch name {
        case "recommendedFactorCount": recommendedFactorCount = value
        case "lockoutThreshold": lockoutThreshold = value
        case "lockoutMinutes": lockoutDuration = TimeInterval(value * 60)
        case "lockoutEscalation": lockoutEscalation = Double(value)
        case "lockoutMaxMinutes": lockoutMaxDuration = TimeInterval(value * 60)
        case "lockoutFailureCap": lockoutFailureCap = value
        case "codeDigits": messageCodes.digits = value
        case "codeLifetimeMinutes": messageCodes.lifetime = TimeInterval(value * 60)
        case "resendCooldownSeconds": messageCodes.resendCooldown = TimeInterval(value)
        case "backupCodeCount": backupCodeCount = value
        case "totpDigits": totp.digits = value
        case "totpPeriod": totp.period = value
        case "totpDrift": totp.drift = value
        case "patternGridSize": patternGridSize = value
        case "sendsPerUserHour": messageCodes.perUser.hour = value
        case "sendsPerUserDay": messageCodes.perUser.day = value
        case "sendsPerOrganizationHour": messageCodes.perOrganization.hour = value
        case "sendsPerOrganizationDay": messageCodes.perOrganization.day = value
        case "passwordMinLengthMFA": password.minimumLengthWithMFA = value
        case "passwordMinLength": password.minimumLengthWithoutMFA = value
        case "passwordMaxLength": password.maximumLength = value
        case "passwordCharacterClasses": password.characterClasses = value
        case "passwordMaxAgeDays": password.maximumAgeDays = value
        case "passwordExpiryWarningDays": password.expiryWarningDays = value
        case "rememberDeviceDays": rememberDeviceDays = value
        case "recoveryFactors": recovery.factorsRequired = value
        case "challengeQuestionCount": challengeQuestions.count = value
        default: return false
        }
        return true
    }

    /// Checks every setting; throws the first problem.
    public func validate() throws {
        guard allowedFactorTypes.contains(where: { $0 != .pattern && $0 != .backupCodes }) else { throw PolicyError.noPossessionFactorType }
        for (name, value) in numbers.sorted(by: { $0.key < $1.key }) {
            if let range = Self.ranges[name], !range.contains(value) {
                throw PolicyError.outOfRange(setting: name, minimum: range.lowerBound, maximum: range.upperBound)
            }
        }
        guard TimeZone(identifier: timeZone) != nil else { throw PolicyError.unknownTimeZone(timeZone) }
        if let number = inboundSMSNumber, PhoneNumber.parse(country: "", number: number)?.e164 != number {
            throw PolicyError.invalidInboundNumber(number)
        }
        for domain in blockedEmailDomains where !Self.isDomain(domain) { throw PolicyError.invalidEmailDomain(domain) }
        var seen = Set<String>()
        for question in challengeQuestions.questions {
            let key = question.lowercased()
            guard (5...200).contains(question.count), question.allSatisfy({ !$0.isNewline }), seen.insert(key).inserted else {
                throw PolicyError.invalidQuestion(question)
            }
        }
        guard challengeQuestions.questions.count <= 50 else { throw PolicyError.invalidQuestion(challengeQuestions.questions[50]) }
        if challengeQuestions.enabled, !challengeQuestions.allowCustom, challengeQuestions.questions.count < challengeQuestions.count {
            throw PolicyError.tooFewQuestions(needed: challengeQuestions.count)
        }
    }

    static func isDomain(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && text.count <= 253 && labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        }
    }
}
