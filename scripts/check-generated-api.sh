#!/usr/bin/env bash
# The admin REST API's server code (Sources/PortcullisAdminAPI/Generated/) is generated from openapi.yaml by
# swift-openapi-generator and committed, since building the generator takes minutes. This script regenerates it:
#
#   bash scripts/check-generated-api.sh           regenerate into a temporary folder; fail if the committed code differs
#   bash scripts/check-generated-api.sh --write   regenerate into the target (after a change to openapi.yaml or the config)
#
# The generator is built once into .build-openapi-generator/ (a scratch package, ignored by git; about two minutes on
# two cores); OPENAPI_GENERATOR=/path/to/swift-openapi-generator uses a binary built elsewhere. Besides the generated
# files it writes GeneratedFrom.swift, the SHA-256 of the document and the config, which a fast test
# (AdminAPIGeneratedCodeTests) compares with the files in the repository without building the generator.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.14.3
DOCUMENT=openapi.yaml
CONFIG=openapi-generator-config.yaml
TARGET=Sources/PortcullisAdminAPI/Generated
SCRATCH=.build-openapi-generator

mode=check
case "${1:-}" in
  --write) mode=write ;;
  "") ;;
  *) echo "usage: $0 [--write]" >&2; exit 2 ;;
esac

generator() {
  if [ -n "${OPENAPI_GENERATOR:-}" ]; then echo "$OPENAPI_GENERATOR"; return; fi
  mkdir -p "$SCRATCH/Sources/Placeholder"
  cat >"$SCRATCH/Package.swift" <<SWIFT
// swift-tools-version:6.0
// Written by scripts/check-generated-api.sh: builds swift-openapi-generator's command line tool.
import PackageDescription
let package = Package(
    name: "openapi-generator-build",
    dependencies: [.package(url: "https://github.com/apple/swift-openapi-generator", exact: "$VERSION")],
    targets: [.target(name: "Placeholder")]
)
SWIFT
  echo "public let placeholder = 0" >"$SCRATCH/Sources/Placeholder/Placeholder.swift"
  echo "Building swift-openapi-generator $VERSION in $SCRATCH/ (once)..." >&2
  (cd "$SCRATCH" && nice -n 19 swift build -c release --product swift-openapi-generator >&2)
  echo "$PWD/$SCRATCH/.build/release/swift-openapi-generator"
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Generates into folder $1, with the stamp.
generate() {
  local out=$1 log
  log=$(mktemp)
  if ! "$GENERATOR" generate "$DOCUMENT" --config "$CONFIG" --output-directory "$out" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  if grep -qi "warning\|error" "$log"; then
    echo "swift-openapi-generator warned; fix openapi.yaml:" >&2; grep -i "warning\|error" "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  cat >"$out/GeneratedFrom.swift" <<SWIFT
// Written by scripts/check-generated-api.sh with the generated code beside it; do not edit.

/// What the generated code in this folder was made from: a test compares these digests with the files in the
/// repository, so a change to the document or the config without \`make generate-api\` fails fast.
package enum GeneratedFrom {
    /// swift-openapi-generator's version.
    package static let generatorVersion = "$VERSION"
    /// SHA-256 of openapi.yaml.
    package static let documentSHA256 = "$(sha256 "$DOCUMENT")"
    /// SHA-256 of openapi-generator-config.yaml.
    package static let configurationSHA256 = "$(sha256 "$CONFIG")"
}
SWIFT
}

GENERATOR=$(generator)
if [ "$mode" = write ]; then
  rm -rf "$TARGET"
  mkdir -p "$TARGET"
  generate "$TARGET"
  echo "Generated $TARGET from $DOCUMENT."
  exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
generate "$scratch"
if ! diff -ru "$TARGET" "$scratch" >"$scratch.diff" 2>&1; then
  head -n 60 "$scratch.diff" >&2
  rm -f "$scratch.diff"
  echo "The committed code in $TARGET is not what $DOCUMENT generates: run 'make generate-api' and commit it." >&2
  exit 1
fi
rm -f "$scratch.diff"
echo "The generated admin API code is up to date with $DOCUMENT."
