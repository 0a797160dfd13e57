import Crypto

extension SecretBox {
    /// A 256-bit key for one purpose (such as `"csrf"`), derived from the current key-encryption key with HKDF-SHA256,
    /// so that the key-encryption key itself only ever encrypts and each purpose has a key of its own. Every node with
    /// the same `PORTCULLIS_KEY` derives the same subkey; rotating the key changes it.
    public func subkey(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: current.key, salt: Array("portcullis-subkey-v1".utf8),
                               info: Array(purpose.utf8), outputByteCount: 32)
    }

    /// HMAC-SHA256 of `message` under the subkey for `purpose`: the same on every node, unguessable without the key
    /// (e.g. a stand-in value that must look the same each time it is asked for).
    public func tag(_ message: String, purpose: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: subkey(for: purpose)))
    }
}
