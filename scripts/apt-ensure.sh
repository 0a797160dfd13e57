#!/usr/bin/env bash
# Install the given Debian packages, but only those not installed yet, so that
# repeated runs (and machines set up by hand) cost nothing and need no network.
set -euo pipefail

missing=()
for pkg in "$@"; do
  # dpkg -s also succeeds for removed packages that left config files behind,
  # hence the Status check.
  dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "apt-ensure: installing ${missing[*]}" >&2
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null
