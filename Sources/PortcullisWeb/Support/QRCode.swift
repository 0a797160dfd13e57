import CQREncode

/// QR codes rendered on the server as inline SVG with libqrencode, so no outside service ever sees a secret.
enum QRCode {
    /// An SVG of `text` (error correction M, 4-module quiet zone), or nil if it cannot be encoded.
    static func svg(_ text: String, id: String, label: String) -> String? {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = code.pointee.data!
        let size = width + 8
        var path = ""
        path.reserveCapacity(width * width * 4)
        for y in 0..<width {
            for x in 0..<width where data[y * width + x] & 1 == 1 {
                path += "M\(x + 4) \(y + 4)h1v1h-1z"
            }
        }
        return """
            <svg id="\(id)" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" width="220" height="220" \
            role="img" aria-label="\(label)" shape-rendering="crispEdges">\
            <rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
