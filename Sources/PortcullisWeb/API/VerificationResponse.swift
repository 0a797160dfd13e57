import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The JSON documents of the verification API, in privacyIDEA 3.14's shape so that its clients (FreeRADIUS plugin,
/// PAM module, Windows credential provider) read them unchanged: `{"jsonrpc", "id", "version", "time", "result":
/// {"status", "value", "authentication"}, "detail": {…}}`; REJECT is HTTP 200, errors carry `result.error`.
enum VerificationResponse {
    static let version = "Portcullis (privacyIDEA 3.14 compatible)"

    /// An acceptance; the answer to a transaction names only the factor, as privacyIDEA's does.
    static func accept(factor: Factor, otpLength: Int?, answeredTransaction: Bool) -> Response {
        var detail: [String: JSONValue] = ["message": answeredTransaction ? "Found matching challenge" : "matching 1 tokens",
                                           "serial": .string(factor.id)]
        if !answeredTransaction {
            detail["type"] = .string(factor.type.rawValue)
            if let otpLength { detail["otplen"] = .int(otpLength) }
        }
        return document(result: ["status": true, "value": true, "authentication": "ACCEPT"], detail: .object(detail))
    }

    /// A refusal. After a transaction's code the factor is named (the caller already knows it); otherwise nothing says
    /// whether the user exists or the password was right.
    static func reject(factor: Factor? = nil) -> Response {
        var detail: [String: JSONValue] = ["message": factor == nil ? "wrong otp pin" : "wrong otp value"]
        if let factor { detail["serial"] = .string(factor.id); detail["type"] = .string(factor.type.rawValue) }
        return document(result: ["status": true, "value": false, "authentication": "REJECT"], detail: .object(detail))
    }

    /// The password was right: answer with a code under the transaction id.
    static func challenge(_ transaction: VerificationTransaction, factor: Factor, message: String, value: JSONValue = false) -> Response {
        let (serial, type, id, text) = (JSONValue.string(factor.id), JSONValue.string(factor.type.rawValue),
                                        JSONValue.string(transaction.id), JSONValue.string(message))
        let challenge: JSONValue = ["serial": serial, "transaction_id": id, "message": text, "client_mode": "interactive", "type": type]
        let detail: [String: JSONValue] = [
            "message": text, "messages": [text], "client_mode": "interactive", "preferred_client_mode": "interactive",
            "multi_challenge": [challenge], "serial": serial, "type": type, "transaction_id": id, "transaction_ids": [id],
        ]
        return document(result: ["status": true, "value": value, "authentication": "CHALLENGE"], detail: .object(detail))
    }

    /// An error document (`result.status` false). As in privacyIDEA, a refused credential has an empty `detail`, a
    /// bad request a null one, and neither names the version number.
    static func error(code: Int, message: String, status: HTTPResponse.Status) -> Response {
        document(result: ["status": false, "error": ["code": .int(code), "message": .string(message)]],
                 detail: status == .unauthorized ? .object([:]) : .null, status: status)
    }

    /// privacyIDEA puts its worker thread's id in every `detail`; some clients log it. Ours names the process.
    static let threadID = Int(ProcessInfo.processInfo.processIdentifier)

    private static func document(result: [String: JSONValue], detail: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var detail = detail
        if case .object(var fields) = detail, !fields.isEmpty { fields["threadid"] = .int(threadID); detail = .object(fields) }
        var body: [String: JSONValue] = ["jsonrpc": "2.0", "id": 1, "version": .string(version), "time": .double(Date().timeIntervalSince1970),
                                         "result": .object(result), "detail": detail]
        if result["error"] == nil { body["versionnumber"] = "3.14" }
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: CompactJSON.encode(.object(body)))))
    }
}
