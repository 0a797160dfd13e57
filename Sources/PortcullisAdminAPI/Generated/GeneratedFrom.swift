// Written by scripts/check-generated-api.sh with the generated code beside it; do not edit.

/// What the generated code in this folder was made from: a test compares these digests with the files in the
/// repository, so a change to the document or the config without `make generate-api` fails fast.
package enum GeneratedFrom {
    /// swift-openapi-generator's version.
    package static let generatorVersion = "1.14.3"
    /// SHA-256 of openapi.yaml.
    package static let documentSHA256 = "c401b2f8f5364fdd396a2cfb04d40c9091c3de7df67eebfc0e35c3881d2eab1c"
    /// SHA-256 of openapi-generator-config.yaml.
    package static let configurationSHA256 = "e773d2b265911bc461959e61abae060fe67cde621dd7efe69b51355b9e6c0b71"
}
