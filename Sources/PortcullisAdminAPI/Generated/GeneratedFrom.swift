// Written by scripts/check-generated-api.sh with the generated code beside it; do not edit.

/// What the generated code in this folder was made from: a test compares these digests with the files in the
/// repository, so a change to the document or the config without `make generate-api` fails fast.
package enum GeneratedFrom {
    /// swift-openapi-generator's version.
    package static let generatorVersion = "1.14.3"
    /// SHA-256 of openapi.yaml.
    package static let documentSHA256 = "7c1306e05328f149dcd2f55cc98ce3c3ac69c40533d643e8ed64ccfc52722107"
    /// SHA-256 of openapi-generator-config.yaml.
    package static let configurationSHA256 = "e773d2b265911bc461959e61abae060fe67cde621dd7efe69b51355b9e6c0b71"
}
