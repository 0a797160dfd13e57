#!/usr/bin/env python3
"""A software WebAuthn authenticator for the HTTP tests (WebAuthnFlowTests.swift), played the way a browser would.

It reads the options JSON Portcullis answered ({"challengeId": ..., "publicKey": {...}}) on stdin and prints what
the page script would submit: {"challengeId": ..., "credential": {...}} after `create`, {"challengeId": ...,
"assertion": {...}} after `get`. The credential (key pair, ID, user handle, counter) lives in a JSON state file
between calls, so one "device" can register and later sign in.

ES256 is `soft-webauthn`'s SoftWebauthnDevice (its key generation, COSE encoding with fido2 and signing);
EdDSA and RS256 keys come from `cryptography` with fido2's COSE classes. The attestation is "none".

Faults, each for one refusal test: --origin (what the "browser" reports), --rp-id (hashed into the authenticator
data), --challenge (replaces the server's), --no-up (user presence flag cleared), --bad-signature (one bit flipped),
--sign-count N (the counter sent, instead of the stored one plus one), --any-credential (answers even when
its credential is not in allowCredentials). --uv sets the user-verified flag.

  soft_authenticator.py create STATE --origin http://localhost:8080 [--alg ES256|EdDSA|RS256] [--uv] < options
  soft_authenticator.py get STATE --origin http://localhost:8080 [--uv] [faults] < options
"""

import argparse
import base64
import json
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from fido2 import cbor
from fido2.cose import ES256, EdDSA, RS256
from fido2.utils import sha256
from soft_webauthn import SoftWebauthnDevice

UP, UV, AT = 0x01, 0x04, 0x40


def b64u(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Device(SoftWebauthnDevice):
    """soft-webauthn's device, with a choice of algorithm, the UV flag, faults, and state kept in a file."""

    def __init__(self, alg="ES256"):
        super().__init__()
        self.alg = alg

    def cred_init(self, rp_id, user_handle):
        super().cred_init(rp_id, user_handle)  # credential ID and an ES256 key
        if self.alg == "EdDSA":
            self.private_key = ed25519.Ed25519PrivateKey.generate()
        elif self.alg == "RS256":
            self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def cose_key(self):
        cls = {"ES256": ES256, "EdDSA": EdDSA, "RS256": RS256}[self.alg]
        return cbor.encode(cls.from_cryptography_key(self.private_key.public_key()))

    def sign(self, data):
        if self.alg == "ES256":
            return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        if self.alg == "RS256":
            return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.private_key.sign(data)

    # -- state ---------------------------------------------------------------------------------------------------
    def save(self, path):
        pem = self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode()
        with open(path, "w") as f:
            json.dump({"alg": self.alg, "rp_id": self.rp_id, "credential_id": b64u(self.credential_id),
                       "user_handle": b64u(self.user_handle), "sign_count": self.sign_count, "key": pem}, f)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            state = json.load(f)
        device = cls(state["alg"])
        device.rp_id = state["rp_id"]
        device.credential_id = unb64u(state["credential_id"])
        device.user_handle = unb64u(state["user_handle"])
        device.sign_count = state["sign_count"]
        device.private_key = serialization.load_pem_private_key(state["key"].encode(), password=None)
        return device


def client_data(type_, challenge, origin):
    # Compact, in the member order browsers use.
    return json.dumps({"type": type_, "challenge": challenge, "origin": origin, "crossOrigin": False},
                      separators=(",", ":")).encode()


def create(args, options):
    pk = options["publicKey"]
    device = Device(args.alg)
    if args.alg == "ES256":
        # soft-webauthn's own registration (ES256, "none", UP|AT), with the browser's options decoded as it expects.
        made = device.create({"publicKey": {**pk, "challenge": unb64u(args.challenge or pk["challenge"]),
                                            "user": {**pk["user"], "id": unb64u(pk["user"]["id"])}}}, args.origin)
        att = cbor.decode(made["response"]["attestationObject"])
        auth = bytearray(att["authData"])
        cdj = made["response"]["clientDataJSON"]
    else:
        device.cred_init(pk["rp"]["id"], unb64u(pk["user"]["id"]))
        cdj = client_data("webauthn.create", args.challenge or pk["challenge"], args.origin)
        auth = bytearray(sha256(device.rp_id.encode()) + bytes([UP | AT]) + struct.pack(">I", 0) + device.aaguid
                         + struct.pack(">H", len(device.credential_id)) + device.credential_id + device.cose_key())
    if args.rp_id:
        auth[0:32] = sha256(args.rp_id.encode())
    if args.uv:
        auth[32] |= UV
    if args.no_up:
        auth[32] &= ~UP & 0xFF
    attestation = cbor.encode({"fmt": "none", "attStmt": {}, "authData": bytes(auth)})
    device.save(args.state)
    return {"challengeId": options["challengeId"], "credential": {
        "id": b64u(device.credential_id), "rawId": b64u(device.credential_id), "type": "public-key",
        "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(attestation), "transports": ["usb"]}}}


def get(args, options):
    pk = options["publicKey"]
    device = Device.load(args.state)
    allowed = [c["id"] for c in pk.get("allowCredentials", [])]
    if allowed and b64u(device.credential_id) not in allowed and not args.any_credential:
        raise SystemExit("this device's credential is not among allowCredentials")
    if pk.get("rpId", device.rp_id) != device.rp_id:
        raise SystemExit("rpId does not match the credential's")
    device.sign_count += 1
    count = device.sign_count if args.sign_count is None else args.sign_count
    flags = (0 if args.no_up else UP) | (UV if args.uv else 0)
    auth = sha256((args.rp_id or device.rp_id).encode()) + bytes([flags]) + struct.pack(">I", count)
    cdj = client_data("webauthn.get", args.challenge or pk["challenge"], args.origin)
    signature = bytearray(device.sign(auth + sha256(cdj)))
    if args.bad_signature:
        signature[len(signature) // 2] ^= 0x01
    device.save(args.state)
    return {"challengeId": options["challengeId"], "assertion": {
        "id": b64u(device.credential_id), "rawId": b64u(device.credential_id), "type": "public-key",
        "response": {"clientDataJSON": b64u(cdj), "authenticatorData": b64u(auth), "signature": b64u(bytes(signature)),
                     "userHandle": b64u(device.user_handle)}}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["create", "get"])
    parser.add_argument("state")
    parser.add_argument("--origin", required=True)
    parser.add_argument("--alg", default="ES256", choices=["ES256", "EdDSA", "RS256"])
    parser.add_argument("--uv", action="store_true")
    parser.add_argument("--no-up", action="store_true")
    parser.add_argument("--rp-id")
    parser.add_argument("--challenge")
    parser.add_argument("--bad-signature", action="store_true")
    parser.add_argument("--sign-count", type=int)
    parser.add_argument("--any-credential", action="store_true", help="answer even when not in allowCredentials")
    args = parser.parse_args()
    options = json.load(sys.stdin)
    result = create(args, options) if args.command == "create" else get(args, options)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
