/// Why the configuration cannot be used, in one line that names the setting (the CLI prints it as "Error: …").
///
/// The only error configuration reading throws, for every section, SMS and SMTP included. Values are echoed only where
/// they cannot be secrets (keys and passwords are never validated against a form that would print them).
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// `name` has a value that cannot be used: what was given, and what was expected.
    case invalid(name: String, value: String, expected: String)
    /// `name` must be set because of another setting (`when`, such as `PORTCULLIS_SMS_PROVIDER=twilio`).
    case required(name: String, when: String)
    /// `name` is set but not in the form it must have (the value is not repeated: URLs may carry tokens).
    case malformed(name: String, expected: String)
    /// A setting (`NAME=value`) that only development mode allows.
    case developmentOnly(String)
    /// `PORTCULLIS_CONFIG` names a file that cannot be read.
    case unreadableFile(String)
    /// No key-encryption key outside development mode.
    case missingKey

    public var description: String {
        switch self {
        case .invalid(let name, let value, let expected): "\(name)=\(value) is not valid: expected \(expected)"
        case .required(let name, let condition): "\(name) is required when \(condition)"
        case .malformed(let name, let expected): "\(name) must be \(expected)"
        case .developmentOnly(let setting): "\(setting) is only available in development mode (PORTCULLIS_DEV=1)"
        case .unreadableFile(let path): "cannot read the configuration file \(path)"
        case .missingKey:
            "PORTCULLIS_KEY is not set: make one with `portcullis key generate`, keep it secret and backed up, and set "
                + "it in the environment or portcullis.conf (for a local trial, PORTCULLIS_DEV=1 instead; `make run` does that)"
        }
    }
}
