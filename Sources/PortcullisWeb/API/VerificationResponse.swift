import Foundation
import Hummingbird
import PortcullisCore

/// The JSON documents of the verification API, in privacyIDEA 3.14's shape so that its clients (FreeRADIUS plugin,
/// PAM module, Windows credential provider) read them unchanged: `{"jsonrpc", "id", "version", "time", "result":
/// {"status", "value", "authentication"}, "detail": {…}}`; REJECT is HTTP 200, errors carry `result.error`.
enum VerificationResponse {
    static let version = "Portcullis (privacyIDEA 3.14 compatible)"

    static func accept(factor: Factor, otpLength: Int?) -> Response {
        var detail: [String: Any] = ["message": "matching 1 tokens", "serial": factor.id, "type": factor.type.rawValue]
        if let otpLength { detail["otplen"] = otpLength }
        return document(result: ["status": true, "value": true, "authentication": "ACCEPT"], detail: detail)
    }

    static func reject() -> Response {
        document(result: ["status": true, "value": false, "authentication": "REJECT"], detail: ["message": "wrong otp pin"])
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

    static func error(code: Int, message: String, status: HTTPResponse.Status) -> Response {
        document(result: ["status": false, "error": ["code": code, "message": message]], detail: NSNull(), status: status)
    }

    private static func document(result: [String: Any], detail: Any, status: HTTPResponse.Status = .ok) -> Response {
        let body: [String: Any] = ["jsonrpc": "2.0", "id": 1, "version": version, "versionnumber": "3.14",
                                   "time": Date().timeIntervalSince1970, "result": result, "detail": detail]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
