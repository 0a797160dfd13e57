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
        var detail: [String: Any] = ["message": answeredTransaction ? "Found matching challenge" : "matching 1 tokens", "serial": factor.id]
        if !answeredTransaction {
            detail["type"] = factor.type.rawValue
            if let otpLength { detail["otplen"] = otpLength }
        }
        return document(result: ["status": true, "value": true, "authentication": "ACCEPT"], detail: detail)
    }

    /// A refusal. After a transaction's code the factor is named (the caller already knows it); otherwise nothing says
    /// whether the user exists or the password was right.
    static func reject(factor: Factor? = nil) -> Response {
        var detail: [String: Any] = ["message": factor == nil ? "wrong otp pin" : "wrong otp value"]
        if let factor { detail["serial"] = factor.id; detail["type"] = factor.type.rawValue }
        return document(result: ["status": true, "value": false, "authentication": "REJECT"], detail: detail)
    }

    /// The password was right: answer with a code under the transaction id.
    static func challenge(_ transaction: VerificationTransaction, factor: Factor, message: String, value: Any = false) -> Response {
        let challenge: [String: Any] = ["serial": factor.id, "transaction_id": transaction.id, "message": message,
                                        "client_mode": "interactive", "type": factor.type.rawValue]
        let detail: [String: Any] = [
            "message": message, "messages": [message], "client_mode": "interactive", "preferred_client_mode": "interactive",
            "multi_challenge": [challenge], "serial": factor.id, "type": factor.type.rawValue,
            "transaction_id": transaction.id, "transaction_ids": [transaction.id],
        ]
        return document(result: ["status": true, "value": value, "authentication": "CHALLENGE"], detail: detail)
    }

    /// An error document (`result.status` false). As in privacyIDEA, a refused credential has an empty `detail`, a
    /// bad request a null one, and neither names the version number.
    static func error(code: Int, message: String, status: HTTPResponse.Status) -> Response {
        document(result: ["status": false, "error": ["code": code, "message": message]],
                 detail: status == .unauthorized ? [String: Any]() : NSNull(), status: status)
    }

    /// privacyIDEA puts its worker thread's id in every `detail`; some clients log it. Ours names the process.
    static let threadID = Int(ProcessInfo.processInfo.processIdentifier)

    private static func document(result: [String: Any], detail: Any, status: HTTPResponse.Status = .ok) -> Response {
        var detail = detail
        if var fields = detail as? [String: Any], !fields.isEmpty { fields["threadid"] = threadID; detail = fields }
        var body: [String: Any] = ["jsonrpc": "2.0", "id": 1, "version": version, "time": Date().timeIntervalSince1970,
                                   "result": result, "detail": detail]
        if result["error"] == nil { body["versionnumber"] = "3.14" }
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: CompactJSON.encode(body))))
    }
}
