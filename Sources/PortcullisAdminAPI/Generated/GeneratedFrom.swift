// Written by scripts/check-generated-api.sh with the generated code beside it; do not edit.

/// What the generated code in this folder was made from: a test compares these digests with the files in the
/// repository, so a change to the document or the config without `make generate-api` fails fast.
package enum GeneratedFrom {
    /// swift-openapi-generator's version.
    package static let generatorVersion = "1.14.3"
    /// SHA-256 of openapi.yaml.
    package static let documentSHA256 = "f482a293b6f5eae4609db1196d6f286be3cbfacfff9ca57f71ba809c1d326de5"
    /// SHA-256 of openapi-generator-config.yaml.
    package static let configurationSHA256 = "e773d2b265911bc461959e61abae060fe67cde621dd7efe69b51355b9e6c0b71"
}
