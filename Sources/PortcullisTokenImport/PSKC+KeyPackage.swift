import Foundation
import PortcullisCrypto

/// One `KeyPackage` mapped to an `ImportedToken`: serial, algorithm parameters, policy, secret and counter.
extension PSKC {
    struct PackageFailure: Error {
        var serial: String?
        var messages: [String]
    }

    static func token(in package: XMLTreeNode, preSharedKey: [UInt8]?, mac: (key: [UInt8], algorithm: OTPAlgorithm)?) -> Result<ImportedToken, PackageFailure> {
        var messages: [String] = []
        let key = package.child("Key", pskcNamespace)

        var serial: String?
        let serialNo = package.child("DeviceInfo", pskcNamespace)?.child("SerialNo", pskcNamespace)?.trimmedText
        let keyID = key?.attributes["Id"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let serialText = [serialNo, keyID].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            if let message = TokenImport.serialProblem(serialText) {
                messages.append(message)
            } else {
                serial = serialText
            }
        } else {
            messages.append("no serial (DeviceInfo/SerialNo or Key Id)")
        }

        guard let key else {
            messages.append("no Key element")
            return .failure(PackageFailure(serial: serial, messages: messages))
        }

        let algorithmURI = key.attributes["Algorithm"] ?? ""
        guard algorithmURI == hotpAlgorithm else {
            let shown = algorithmURI.isEmpty ? "no algorithm" : "algorithm \(algorithmURI.prefix(100))"
            messages.append("unsupported key (\(shown)); only HOTP (\(hotpAlgorithm)) can be imported")
            return .failure(PackageFailure(serial: serial, messages: messages))
        }

        var digits = 6
        var algorithm = OTPAlgorithm.sha1
        if let parameters = key.child("AlgorithmParameters", pskcNamespace) {
            if let format = parameters.child("ResponseFormat", pskcNamespace) {
                switch format.attributes["Length"]?.trimmingCharacters(in: .whitespaces) {
                case "6": digits = 6
                case "8": digits = 8
                default: messages.append("ResponseFormat Length must be 6 or 8")
                }
                if let encoding = format.attributes["Encoding"], encoding != "DECIMAL" {
                    messages.append("ResponseFormat Encoding must be DECIMAL")
                }
            }
            if let suite = parameters.child("Suite", pskcNamespace)?.trimmedText {
                switch suite.uppercased() {
                case "HMAC-SHA1", "SHA1", "SHA-1": algorithm = .sha1
                case "HMAC-SHA256", "SHA256", "SHA-256": algorithm = .sha256
                case "HMAC-SHA512", "SHA512", "SHA-512": algorithm = .sha512
                default: messages.append("unsupported Suite (expected HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512)")
                }
            }
        }

        if let policy = key.child("Policy", pskcNamespace) {
            messages.append(contentsOf: policyProblems(policy))
        }

        let data = key.child("Data", pskcNamespace)
        var seed: [UInt8]?
        if let secret = data?.child("Secret", pskcNamespace) {
            switch secretBytes(secret, preSharedKey: preSharedKey, mac: mac) {
            case .success(let bytes):
                if let message = TokenImport.seedLengthProblem(bytes.count) { messages.append(message) } else { seed = bytes }
            case .failure(let message):
                messages.append(message.text)
            }
        } else {
            messages.append("no secret (Data/Secret)")
        }

        var counter: UInt64 = 0
        if let counterElement = data?.child("Counter", pskcNamespace) {
            if let plain = counterElement.child("PlainValue", pskcNamespace) {
                let text = plain.trimmedText
                if !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = UInt64(text) {
                    counter = value
                } else {
                    messages.append("Counter must be a whole number from 0 to \(UInt64.max)")
                }
            } else {
                messages.append("only a plain Counter value is supported")
            }
        }

        guard messages.isEmpty, let serial, let seed else {
            return .failure(PackageFailure(serial: serial, messages: messages))
        }
        return .success(ImportedToken(serial: serial, seed: seed, algorithm: algorithm, digits: digits, counter: counter))
    }

    /// RFC 6030 §5: a key whose policy holds anything the recipient does not understand must not be used.
    static func policyProblems(_ policy: XMLTreeNode) -> [String] {
        var problems: [String] = []
        let now = Date()
        for item in policy.children {
            guard item.namespace == pskcNamespace else {
                problems.append("Policy \(item.name.prefix(40)) is not understood, so the key may not be used (RFC 6030 §5)")
                continue
            }
            switch item.name {
            case "KeyUsage":
                if item.trimmedText != "OTP" { problems.append("KeyUsage must be OTP") }
            case "StartDate":
                if let date = parseDate(item.trimmedText) {
                    if date > now { problems.append("the key may not be used before StartDate \(item.trimmedText)") }
                } else {
                    problems.append("StartDate is not a valid date and time")
                }
            case "ExpiryDate":
                if let date = parseDate(item.trimmedText) {
                    if date <= now { problems.append("the key expired on \(item.trimmedText)") }
                } else {
                    problems.append("ExpiryDate is not a valid date and time")
                }
            default:
                problems.append("Policy \(item.name.prefix(40)) is not supported, so the key may not be used (RFC 6030 §5)")
            }
        }
        return problems
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
