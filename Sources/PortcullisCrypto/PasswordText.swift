import Foundation

/// How a typed password is read before it is hashed, checked or compared (SPEC §5, NIST SP 800-63B-4 §3.1.1.2):
/// Unicode NFKC, so that the same password typed on another keyboard (composed or decomposed accents, full-width
/// forms) is the same password. Its length is counted in code points after normalization.
public enum PasswordText {
    public static func normalized(_ password: String) -> String {
        password.precomposedStringWithCompatibilityMapping
    }

    /// Characters as the policy counts them: Unicode code points of the normalized password.
    public static func length(_ password: String) -> Int {
        normalized(password).unicodeScalars.count
    }
}
