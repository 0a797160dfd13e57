#!/usr/bin/env python3
"""Writes the WebAuthn fixtures for WebAuthnTests and CBORTests, independently of Portcullis's Swift code.

Run from the repository root:  .venv/bin/python Tests/PortcullisWebAuthnTests/Fixtures/webauthn/make_webauthn.py
Needs `soft-webauthn` (which brings `fido2`), `cbor2` and `cryptography` (requirements-test.txt).

Where the responses come from:
  * soft-es256-none.json   the `soft-webauthn` package's software authenticator (ES256, attestation "none",
                           user presence only), driven like a browser would (create, then two gets).
  * the other files        the `Authenticator` class below, which builds authenticator data, COSE keys (RFC 9053,
                           RFC 8230), clientDataJSON and attestation objects per WebAuthn Level 3 §6 and §8 with
                           `cbor2` (CTAP2 canonical) and `cryptography`.
Every positive response is checked here with `fido2`'s own parsers and verifiers (AttestationObject,
CollectedClientData, PackedAttestation, CoseKey.verify) before it is written, so the fixtures do not depend on
the Swift code they test.

Keys, credential IDs and challenges are fixed and ECDSA signatures are deterministic (RFC 6979), so re-running this
script rewrites identical files unless the script changes.

Files written next to this script (all bytes base64url without padding):
  soft-es256-none.json      ES256, "none", UP only (no UV), counter 0 -> 1 -> 2
  es256-packed-self.json    ES256, packed self attestation, synced passkey (UV, BE, BS), an extension output,
                            counter always 0, clientDataJSON with crossOrigin false and an unknown member
  rs256-packed-self.json    RS256 (2048-bit), packed self attestation, UV, counter 0 -> 1 -> 2, tokenBinding member
  eddsa-none.json           EdDSA (Ed25519), "none", UV, counter 5 -> 6
  es256-packed-x5c.json     ES256, packed with a self-signed P-256 attestation certificate (AAGUID extension),
                            RP "localhost" at http://localhost:8080, counter 1 -> 2
  negative.json             correctly signed responses that are wrong in exactly one respect, with the
                            WebAuthnError each must produce (null: must be accepted)
"""

import base64
import datetime
import hashlib
import json
import os
import struct

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
from cryptography.x509.oid import NameOID
from fido2 import cbor as fido_cbor
from fido2.attestation import NoneAttestation, PackedAttestation
from fido2.cose import CoseKey
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData
from soft_webauthn import SoftWebauthnDevice

HERE = os.path.dirname(os.path.abspath(__file__))

RP = {"id": "mfa.example.com", "name": "Portcullis", "origin": "https://mfa.example.com"}
LOCAL_RP = {"id": "localhost", "name": "Portcullis (dev)", "origin": "http://localhost:8080"}

UP, UV, BE, BS, AT, ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80

# A fixed RSA-2048 key (generated once with cryptography's rsa.generate_private_key), so the output is stable.
RSA_PEM = b"""
-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQC6IqDZd+RYBbaP
VSSu4icI2teW24NAb/MVb05jvBT2aaKHRrWOxYIj3tELLJPNhWrzePJ618UyVoNn
lQUJZq2YO1016CCeLKXFIz5Ty5sg6HO/GjJ9f8+SYQed/z0GM6EeyLzu9ftEfuNj
5Duv3T+2XQPUdkXT8KwVW65YgBbpwZhLdPuq8XssZ3gk26keEEe9PbZCnx1hMdDK
SWb8q1NF9jQ0kQ6L0iSh9sHxlrLC/vLXCRaWt9dnmHSJPxnpgBuz9TjVp0Wsx6Ia
yQDLGBihvVMXX8EhlO5ipJUi/yCpVqdiECc8DU8IMncCHNrpez9lskEFzNlRmRJv
VEhIwgUFAgMBAAECggEADtscrhQHluQ91zVwdr94u22Gr3UDBhg+n9iruldp75DW
y/00wxm4cqx3UBuqtZ3kageeiCIYjGqjP5fWjb2INWeSNO87SznnsShIR9/ZmHLK
aizpGA3PagYchDEO6c53xEE5SHPm2LytNsJ3O74Ti7aOIQhKN8mJsoVdZkAy6U0g
vD+4lsn4SwKU8CZnzbtBCkCuPmofovdCF63idUx2i/nY7apJDop7tsHJuKKQD4QF
ZOIjDpwsdQYnmykm0l1nbHxabw0rUNcrE1/mJWLSoN1HMFWTOuzTMWbKPcNO7kAy
vqK/1YZucOL18tpojovL2Db/dOZa8H+BZDESa/4cMQKBgQDk4bzCh9VBpEM2VLAB
HP/JhsOGIE1yfRNN9R5WXC6b0jCGO+B5M2YoHPREwy971LtudVPjfxLKv8KaPPxs
Uw/q8OkvY7BAstTBqc6s4OfT9LG8TClrqi0yembOWMp8UeRra+x3TaCphD5CieWg
xFJ+2b1UjnBKKEYE2rDWep/XiwKBgQDQMFZMQ88SVIOInOlLAeTEKLB09VbrDMM7
Kwvl/UTdaOudSisAUzlNcRksu3kgQBdLTbJ2NFRwPkDoQ3qi2BMtmjUiyzCGWKT3
BqkTHiZ6qHteylOXBj+QJE96enO18x/2dJkXvZExEQjRUmo4mPi8sjAxQFPB6+3g
9dCau+anrwKBgQDDJ9cS507mkXDduof36woOg2Hj01c173+uUPp1GFSFeEr3qcZU
kYbhXQ7KMsMiCtll7ZSBvbAAQFFlwepZUtmXsaKiTZXTFKhkGK2oqnwBNfr2WtpW
etve1o8iEoNUTV8+WN9fOklrQN71TS8GTV8p2e6dUnZcRMqvCOkPd68i0QKBgQCf
2X1pcWc9G8cizdgSz5FnTBawtu/V6ia894BbRuvpVPYT/y6lQUFuRLifsBKAwLUi
DLZKLEPpKuOLcsRm5KFVEmJaJMlNXiLLyUFofG3vIA4Z6h/khdeoRTkBQaQ2wEZ6
ZWxm3hbtJbcvgagtbMcPm4GFT28AJravVA6nwD6J4QKBgQCSSUQ7isVqJ9t2EHoh
K3J3E6Vy70CjQdstown1DPcOA0IYNbcoKFVF/bJz+a9zlmiCh/eGqT3D5vpwD8/d
rnrpNJI3pMxUL3P/8ewcnW/sPn7k8QKJLOpEZmaBMo3toZVlsCF/RxTD9qNZUEL8
/cxqCo4f7WXDqbEN8kgeC3E3sA==
-----END PRIVATE KEY-----

"""


def b64u(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def sha256(data):
    return hashlib.sha256(data).digest()


def fixed(label, length=32):
    """Stable pseudo-random bytes for keys, IDs and challenges."""
    out = b""
    counter = 0
    while len(out) < length:
        out += sha256(f"portcullis-webauthn-fixture:{label}:{counter}".encode())
        counter += 1
    return out[:length]


def ec_key(label, curve=ec.SECP256R1()):
    order = {"secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
             "secp384r1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973}[curve.name]
    return ec.derive_private_key(int.from_bytes(fixed(label, 64), "big") % (order - 1) + 1, curve)


def ed_key(label):
    return ed25519.Ed25519PrivateKey.from_private_bytes(fixed(label))


def rsa_key():
    return serialization.load_pem_private_key(RSA_PEM.strip(), password=None)


def ecdsa_sign(key, data):
    return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


def cbor(value):
    return cbor2.dumps(value, canonical=True)


# --- COSE keys -------------------------------------------------------------------------------------------------

def cose_ec2(public_key, alg=-7, crv=1):
    numbers = public_key.public_numbers()
    size = (public_key.curve.key_size + 7) // 8
    return cbor({1: 2, 3: alg, -1: crv, -2: numbers.x.to_bytes(size, "big"), -3: numbers.y.to_bytes(size, "big")})


def cose_rsa(public_key, alg=-257):
    numbers = public_key.public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    return cbor({1: 3, 3: alg, -1: n, -2: e})


def cose_okp(public_key):
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return cbor({1: 1, 3: -8, -1: 6, -2: raw})


class Credential:
    """A credential key pair held by the authenticator."""

    def __init__(self, alg, key, credential_id, aaguid=bytes(16), cose=None):
        self.alg, self.key, self.id, self.aaguid = alg, key, credential_id, aaguid
        if cose is not None:
            self.cose = cose
        elif alg == -7:
            self.cose = cose_ec2(key.public_key())
        elif alg == -257:
            self.cose = cose_rsa(key.public_key())
        elif alg == -8:
            self.cose = cose_okp(key.public_key())
        else:
            raise ValueError(alg)

    def sign(self, data):
        if self.alg == -7:
            return ecdsa_sign(self.key, data)
        if self.alg == -257:
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if self.alg == -8:
            return self.key.sign(data)
        raise ValueError(self.alg)


# --- The authenticator and the client (browser) half -------------------------------------------------------------

def client_data(type_, challenge, origin, cross_origin=None, extra=None):
    """clientDataJSON as Chrome serialises it: compact, type/challenge/origin/crossOrigin first."""
    data = {"type": type_, "challenge": b64u(challenge), "origin": origin}
    if cross_origin is not None:
        data["crossOrigin"] = cross_origin
    data.update(extra or {})
    return json.dumps(data, separators=(",", ":")).encode()


def authenticator_data(rp_id, flags, sign_count, credential=None, extensions=None, credential_id=None):
    """WebAuthn §6.1: rpIdHash || flags || signCount || [attestedCredentialData] || [extensions]."""
    data = sha256(rp_id.encode()) + bytes([flags]) + struct.pack(">I", sign_count)
    if credential is not None:
        cid = credential.id if credential_id is None else credential_id
        data += credential.aaguid + struct.pack(">H", len(cid)) + cid + credential.cose
    if extensions is not None:
        data += cbor(extensions)
    return data


def attestation_object(fmt, att_stmt, auth_data):
    return cbor({"fmt": fmt, "attStmt": att_stmt, "authData": auth_data})


def make_registration(credential, rp, challenge, fmt="packed", flags=UP | UV | AT, sign_count=0, extensions=None,
                      origin=None, type_="webauthn.create", cross_origin=False, client_extra=None, auth_rp_id=None,
                      statement=None, credential_id=None, trailing=b"", attestation_key=None, x5c=None,
                      signed_client_data=None):
    """Returns (clientDataJSON, attestationObject). `statement` overrides the attestation statement."""
    cdj = client_data(type_, challenge, origin or rp["origin"], cross_origin, client_extra)
    ad = authenticator_data(auth_rp_id or rp["id"], flags, sign_count,
                            credential if flags & AT else None, extensions, credential_id) + trailing
    signed = ad + sha256(signed_client_data if signed_client_data is not None else cdj)
    if statement is None:
        if fmt == "none":
            statement = {}
        elif fmt == "packed" and x5c is None:
            statement = {"alg": credential.alg, "sig": credential.sign(signed)}
        elif fmt == "packed":
            statement = {"alg": -7, "sig": ecdsa_sign(attestation_key, signed), "x5c": x5c}
        else:
            raise ValueError(fmt)
    elif callable(statement):
        statement = statement(signed)
    return cdj, attestation_object(fmt, statement, ad)


def make_assertion(credential, rp, challenge, sign_count, flags=UP | UV, origin=None, type_="webauthn.get",
                   cross_origin=False, client_extra=None, auth_rp_id=None, signer=None, signed_client_data=None):
    """Returns (clientDataJSON, authenticatorData, signature)."""
    cdj = client_data(type_, challenge, origin or rp["origin"], cross_origin, client_extra)
    ad = authenticator_data(auth_rp_id or rp["id"], flags, sign_count)
    signed = ad + sha256(signed_client_data if signed_client_data is not None else cdj)
    return cdj, ad, (signer or credential).sign(signed)


# --- The attestation certificate ---------------------------------------------------------------------------------

def der(tag, content):
    length = len(content)
    if length < 0x80:
        head = bytes([length])
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + head + content


def attestation_certificate(key, aaguid, ou="Authenticator Attestation", ca=False, aaguid_in_cert=None):
    """A self-signed P-256 certificate meeting WebAuthn §8.2.1 (unless told otherwise), signed deterministically:
    cryptography signs the TBSCertificate with a random nonce, so the signature is redone with RFC 6979 and the
    Certificate SEQUENCE reassembled."""
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Portcullis Test Authenticators"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
        x509.NameAttribute(NameOID.COMMON_NAME, "Portcullis Test Attestation"),
    ])
    builder = (x509.CertificateBuilder()
               .subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(int.from_bytes(fixed("serial", 8), "big") >> 1)
               .not_valid_before(datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc))
               .not_valid_after(datetime.datetime(2045, 1, 1, tzinfo=datetime.timezone.utc))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4"),
                                                         der(0x04, aaguid_in_cert or aaguid)), critical=False))
    cert = builder.sign(key, hashes.SHA256())
    tbs = cert.tbs_certificate_bytes
    algorithm = der(0x30, der(0x06, bytes.fromhex("2a8648ce3d040302")))  # ecdsa-with-SHA256
    signature = der(0x03, b"\x00" + ecdsa_sign(key, tbs))
    encoded = der(0x30, tbs + algorithm + signature)
    x509.load_der_x509_certificate(encoded).public_key().verify(
        ecdsa_sign(key, tbs), tbs, ec.ECDSA(hashes.SHA256()))
    return encoded


# --- Independent checks with fido2 ---------------------------------------------------------------------------------

def check_registration(cdj, att_obj, challenge, rp, require_uv):
    client = CollectedClientData(cdj)
    assert client.type == "webauthn.create" and client.challenge == challenge and client.origin == rp["origin"]
    obj = AttestationObject(att_obj)
    assert obj.auth_data.rp_id_hash == sha256(rp["id"].encode())
    assert obj.auth_data.is_user_present() and (obj.auth_data.is_user_verified() or not require_uv)
    verifier = {"none": NoneAttestation, "packed": PackedAttestation}[obj.fmt]()
    verifier.verify(obj.att_stmt, obj.auth_data, client.hash)
    return obj.auth_data.credential_data


def check_assertion(cose, cdj, ad, sig, challenge, rp):
    client = CollectedClientData(cdj)
    assert client.type == "webauthn.get" and client.challenge == challenge and client.origin == rp["origin"]
    auth = AuthenticatorData(ad)
    assert auth.rp_id_hash == sha256(rp["id"].encode()) and auth.is_user_present()
    CoseKey.parse(fido_cbor.decode(cose)).verify(ad + client.hash, sig)


# --- Writing -----------------------------------------------------------------------------------------------------

def write(name, content):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(content, f, indent=2)
        f.write("\n")
    print("wrote", name)


def raw_cose_key(auth_data):
    """The COSE key bytes exactly as they sit in the authenticator data."""
    attested = auth_data[37:]
    _, rest = AttestedCredentialData.unpack_from(attested)
    id_length = struct.unpack(">H", attested[16:18])[0]
    return attested[18 + id_length:len(attested) - len(rest)]


def registration_entry(challenge, cdj, att_obj, rp, require_uv):
    credential_data = check_registration(cdj, att_obj, challenge, rp, require_uv)
    obj = AttestationObject(att_obj)
    auth = obj.auth_data
    return {
        "challenge": b64u(challenge),
        "clientDataJSON": b64u(cdj),
        "attestationObject": b64u(att_obj),
        "expected": {
            "credentialID": b64u(credential_data.credential_id),
            "publicKey": b64u(raw_cose_key(bytes(auth))),
            "algorithm": credential_data.public_key.ALGORITHM,
            "signCount": auth.counter,
            "aaguid": b64u(bytes(credential_data.aaguid)),
            "userVerified": auth.is_user_verified(),
            "backupEligible": bool(auth.flags & BE),
            "backupState": bool(auth.flags & BS),
            "attestationFormat": obj.fmt,
        },
    }


def assertion_entry(cose, challenge, cdj, ad, sig, rp, stored):
    check_assertion(cose, cdj, ad, sig, challenge, rp)
    auth = AuthenticatorData(ad)
    return {
        "challenge": b64u(challenge),
        "clientDataJSON": b64u(cdj),
        "authenticatorData": b64u(ad),
        "signature": b64u(sig),
        "clientDataHash": b64u(sha256(cdj)),
        "storedSignCount": stored,
        "expected": {"signCount": auth.counter, "userVerified": auth.is_user_verified(),
                     "backupState": bool(auth.flags & BS)},
    }


def fixture(description, rp, require_uv, registration, assertions):
    return {"generator": "make_webauthn.py", "description": description, "rp": rp,
            "requireUserVerification": require_uv, "registration": registration, "assertions": assertions}


class DeterministicKey:
    """Hands soft-webauthn a fixed P-256 key whose ECDSA signatures are deterministic."""

    def __init__(self, key):
        self.key = key

    def public_key(self):
        return self.key.public_key()

    def sign(self, data, algorithm):
        assert isinstance(algorithm, ec.ECDSA) and isinstance(algorithm.algorithm, hashes.SHA256)
        return ecdsa_sign(self.key, data)


class FixedSoftDevice(SoftWebauthnDevice):
    def cred_init(self, rp_id, user_handle):
        super().cred_init(rp_id, user_handle)
        self.credential_id = fixed("soft credential id")
        self.private_key = DeterministicKey(ec_key("soft credential key"))


def soft_fixture():
    device = FixedSoftDevice()
    challenge = fixed("soft registration challenge")
    options = {"publicKey": {
        "rp": {"id": RP["id"], "name": RP["name"]},
        "user": {"id": fixed("soft user handle", 16), "name": "alice", "displayName": "Alice"},
        "challenge": challenge,
        "pubKeyCredParams": [{"alg": -7, "type": "public-key"}, {"alg": -257, "type": "public-key"},
                             {"alg": -8, "type": "public-key"}],
        "attestation": "none",
    }}
    created = device.create(options, RP["origin"])
    registration = registration_entry(challenge, created["response"]["clientDataJSON"],
                                      created["response"]["attestationObject"], RP, False)
    cose = base64.urlsafe_b64decode(registration["expected"]["publicKey"] + "==")
    assertions = []
    stored = 0
    for index in range(2):
        challenge = fixed(f"soft assertion challenge {index}")
        got = device.get({"publicKey": {"rpId": RP["id"], "challenge": challenge}}, RP["origin"])
        response = got["response"]
        entry = assertion_entry(cose, challenge, response["clientDataJSON"], response["authenticatorData"],
                                response["signature"], RP, stored)
        stored = entry["expected"]["signCount"]
        assertions.append(entry)
    write("soft-es256-none.json", fixture(
        "soft-webauthn SoftWebauthnDevice: ES256, attestation none, user presence only", RP, False,
        registration, assertions))
    return cose


def custom_fixture(name, description, credential, rp, fmt, reg_flags, reg_count, assertion_counts, assertion_flags,
                   client_extra=None, extensions=None, x5c=None, attestation_key=None):
    challenge = fixed(f"{name} registration challenge")
    cdj, att = make_registration(credential, rp, challenge, fmt=fmt, flags=reg_flags, sign_count=reg_count,
                                 extensions=extensions, client_extra=client_extra, x5c=x5c,
                                 attestation_key=attestation_key)
    registration = registration_entry(challenge, cdj, att, rp, bool(reg_flags & UV))
    assert base64.urlsafe_b64decode(registration["expected"]["publicKey"] + "==") == credential.cose
    assertions = []
    stored = reg_count
    for index, count in enumerate(assertion_counts):
        challenge = fixed(f"{name} assertion challenge {index}")
        cdj, ad, sig = make_assertion(credential, rp, challenge, count, flags=assertion_flags,
                                      client_extra=client_extra)
        assertions.append(assertion_entry(credential.cose, challenge, cdj, ad, sig, rp, stored))
        stored = count
    write(f"{name}.json", fixture(description, rp, bool(reg_flags & UV), registration, assertions))


def negative_cases(es256, rs256, eddsa, x5c_key):
    """Responses signed correctly by the authenticator but wrong in one respect."""
    cases = []
    challenge = fixed("negative challenge")
    other_challenge = fixed("another challenge")

    def reg(name, error, require_uv=True, credential=es256, note="", **kw):
        cdj, att = make_registration(credential, RP, kw.pop("response_challenge", challenge), **kw)
        cases.append({"name": name, "ceremony": "registration", "note": note, "requireUserVerification": require_uv,
                      "challenge": b64u(challenge), "clientDataJSON": b64u(cdj), "attestationObject": b64u(att),
                      "error": error})

    def asr(name, error, require_uv=True, credential=es256, stored=0, count=1, key_cose=None, note="", **kw):
        cdj, ad, sig = make_assertion(credential, RP, kw.pop("response_challenge", challenge), count, **kw)
        cases.append({"name": name, "ceremony": "assertion", "note": note, "requireUserVerification": require_uv,
                      "challenge": b64u(challenge), "clientDataJSON": b64u(cdj), "authenticatorData": b64u(ad),
                      "signature": b64u(sig), "credentialPublicKey": b64u(key_cose or credential.cose),
                      "storedSignCount": stored, "error": error})

    other_es256 = Credential(-7, ec_key("some other ES256 key"), fixed("other credential id", 16))
    p384 = ec_key("P-384 key", ec.SECP384R1())
    es384 = Credential(-7, p384, fixed("es384 credential id", 16), cose=cose_ec2(p384.public_key(), alg=-35, crv=2))
    wrong_curve = Credential(-7, p384, fixed("es384 credential id", 16), cose=cose_ec2(p384.public_key(), crv=2))
    ps256 = Credential(-257, rs256.key, fixed("ps256 credential id", 16), cose=cose_rsa(rs256.key.public_key(), alg=-37))
    x5c_aaguid = fixed("x5c aaguid", 16)
    x5c_cred = Credential(-7, ec_key("x5c credential key"), fixed("x5c credential id", 16), aaguid=x5c_aaguid)
    good_cert = attestation_certificate(x5c_key, x5c_aaguid)

    # Registration: the baseline (must pass), then one fault each.
    reg("reg-baseline", None)
    reg("reg-none-baseline", None, fmt="none")
    reg("reg-origin-other-site", "originMismatch", origin="https://evil.example")
    reg("reg-origin-other-port", "originMismatch", origin="https://mfa.example.com:8443")
    reg("reg-origin-http", "originMismatch", origin="http://mfa.example.com")
    reg("reg-origin-subdomain", "originMismatch", origin="https://login.mfa.example.com")
    reg("reg-challenge-other", "challengeMismatch", response_challenge=other_challenge)
    reg("reg-type-get", "wrongType", type_="webauthn.get")
    reg("reg-cross-origin", "crossOrigin", cross_origin=True)
    reg("reg-top-origin", "crossOrigin", client_extra={"topOrigin": "https://evil.example"})
    reg("reg-cross-origin-not-boolean", "malformedClientData", cross_origin="true")
    reg("reg-rp-id-other", "rpIdHashMismatch", auth_rp_id="evil.example")
    reg("reg-rp-id-parent-domain", "rpIdHashMismatch", auth_rp_id="example.com")
    reg("reg-no-user-presence", "userNotPresent", flags=UV | AT)
    reg("reg-no-user-verification", "userNotVerified", flags=UP | AT)
    reg("reg-no-user-verification-not-required", None, require_uv=False, flags=UP | AT)
    reg("reg-backup-state-without-eligibility", "invalidBackupFlags", flags=UP | UV | AT | BS)
    reg("reg-no-attested-credential-data", "malformedAuthenticatorData", flags=UP | UV)
    reg("reg-trailing-bytes-without-ed", "malformedAuthenticatorData", trailing=b"\x00")
    reg("reg-ed-flag-without-extensions", "malformedAuthenticatorData", flags=UP | UV | AT | ED)
    reg("reg-extensions", None, flags=UP | UV | AT | ED, extensions={"credProtect": 2, "hmac-secret": True})
    reg("reg-credential-id-1023", None, credential_id=fixed("long id", 1023))
    reg("reg-credential-id-1024", "credentialIDTooLong", credential_id=fixed("long id", 1024))
    reg("reg-packed-alg-mismatch", "attestationInvalid", statement=lambda signed: {"alg": -257, "sig": es256.sign(signed)})
    reg("reg-packed-signed-by-other-key", "badSignature",
        statement=lambda signed: {"alg": -7, "sig": other_es256.sign(signed)})
    reg("reg-packed-signed-other-client-data", "badSignature", signed_client_data=b'{"type":"webauthn.create"}')
    reg("reg-packed-no-sig", "attestationInvalid", statement={"alg": -7})
    reg("reg-packed-ecdaa", "unsupportedAttestation:packed (ECDAA)",
        statement=lambda signed: {"alg": -7, "sig": es256.sign(signed), "ecdaaKeyId": b"\x01" * 32})
    reg("reg-fmt-tpm", "unsupportedAttestation:tpm", fmt="tpm",
        statement={"ver": "2.0", "alg": -257, "sig": b"\x00" * 256, "certInfo": b"", "pubArea": b""})
    reg("reg-fmt-fido-u2f", "unsupportedAttestation:fido-u2f", fmt="fido-u2f", statement={"sig": b"", "x5c": []})
    reg("reg-none-with-statement", "attestationInvalid", fmt="none",
        statement=lambda signed: {"alg": -7, "sig": es256.sign(signed)})
    reg("reg-es384-key", "unsupportedAlgorithm", credential=es384, fmt="none")
    reg("reg-es256-on-p384", "unsupportedAlgorithm", credential=wrong_curve, fmt="none")
    reg("reg-ps256-key", "unsupportedAlgorithm", credential=ps256, fmt="none")
    reg("reg-rs256", None, credential=rs256)
    reg("reg-eddsa", None, credential=eddsa)
    reg("reg-rs256-alg-mismatch", "attestationInvalid", credential=rs256,
        statement=lambda signed: {"alg": -7, "sig": rs256.sign(signed)})
    reg("reg-eddsa-signed-by-other-key", "badSignature", credential=eddsa,
        statement=lambda signed: {"alg": -8, "sig": ed_key("another ed25519 key").sign(signed)})

    def x5c(name, error, certs, signer=x5c_key, alg=-7, **kw):
        reg(name, error, credential=x5c_cred,
            statement=lambda signed: {"alg": alg, "sig": ecdsa_sign(signer, signed), "x5c": certs}, **kw)

    x5c("reg-x5c-baseline", None, [good_cert])
    x5c("reg-x5c-with-chain", None, [good_cert, attestation_certificate(ec_key("an intermediate"), x5c_aaguid)])
    x5c("reg-x5c-signed-by-credential-key", "badSignature", [good_cert], signer=x5c_cred.key)
    x5c("reg-x5c-aaguid-mismatch", "attestationInvalid",
        [attestation_certificate(x5c_key, x5c_aaguid, aaguid_in_cert=fixed("another aaguid", 16))])
    x5c("reg-x5c-wrong-ou", "attestationInvalid", [attestation_certificate(x5c_key, x5c_aaguid, ou="Other")])
    x5c("reg-x5c-ca-true", "attestationInvalid", [attestation_certificate(x5c_key, x5c_aaguid, ca=True)])
    x5c("reg-x5c-not-a-certificate", "attestationInvalid", [b"\x30\x03\x02\x01\x01"])
    x5c("reg-x5c-empty", "attestationInvalid", [])
    x5c("reg-x5c-alg-rs256", "unsupportedAttestation:packed (x5c, alg -257)", [good_cert], alg=-257)

    # Assertions with the ES256 credential (stored count 0 unless said), then the other algorithms.
    asr("asr-baseline", None)
    asr("asr-origin-other-site", "originMismatch", origin="https://evil.example")
    asr("asr-type-create", "wrongType", type_="webauthn.create")
    asr("asr-challenge-other", "challengeMismatch", response_challenge=other_challenge)
    asr("asr-cross-origin", "crossOrigin", cross_origin=True)
    asr("asr-top-origin", "crossOrigin", client_extra={"topOrigin": "https://evil.example"})
    asr("asr-rp-id-other", "rpIdHashMismatch", auth_rp_id="evil.example")
    asr("asr-no-user-presence", "userNotPresent", flags=UV)
    asr("asr-no-user-verification", "userNotVerified", flags=UP)
    asr("asr-no-user-verification-not-required", None, require_uv=False, flags=UP)
    asr("asr-backup-state-without-eligibility", "invalidBackupFlags", flags=UP | UV | BS)
    asr("asr-signed-by-other-key", "badSignature", signer=other_es256)
    asr("asr-signed-other-client-data", "badSignature", signed_client_data=b'{"type":"webauthn.get"}')
    asr("asr-count-regression", "signCountRegression:10:5", stored=10, count=5)
    asr("asr-count-equal", "signCountRegression:7:7", stored=7, count=7)
    asr("asr-count-zero-after-nonzero", "signCountRegression:3:0", stored=3, count=0)
    asr("asr-count-zero-zero", None, stored=0, count=0)
    asr("asr-count-forward", None, stored=10, count=11)
    asr("asr-es384-stored-key", "unsupportedAlgorithm", key_cose=es384.cose)
    asr("asr-rs256", None, credential=rs256)
    asr("asr-rs256-signed-by-other-key", "badSignature", credential=rs256, signer=other_es256)
    asr("asr-eddsa", None, credential=eddsa)
    asr("asr-eddsa-signed-by-other-key", "badSignature", credential=eddsa,
        signer=Credential(-8, ed_key("another ed25519 key"), b"x"))

    for case in cases:
        if case["error"] is None:  # the accepted ones must pass fido2's checks too
            b = lambda key: base64.urlsafe_b64decode(case[key] + "==")
            rp = RP
            if case["ceremony"] == "registration":
                check_registration(b("clientDataJSON"), b("attestationObject"), challenge, rp,
                                   case["requireUserVerification"])
            else:
                check_assertion(b("credentialPublicKey"), b("clientDataJSON"), b("authenticatorData"),
                                b("signature"), challenge, rp)
    write("negative.json", {"generator": "make_webauthn.py", "rp": RP, "cases": cases})


def main():
    soft_fixture()

    es256 = Credential(-7, ec_key("es256 passkey"), fixed("es256 passkey credential id", 16))
    custom_fixture("es256-packed-self", "ES256 synced passkey: packed self attestation, UV, BE and BS, extension "
                   "outputs, counter 0; clientDataJSON with crossOrigin false and an unknown member",
                   es256, RP, "packed", UP | UV | BE | BS | AT | ED, 0, [0, 0], UP | UV | BE | BS,
                   client_extra={"other_keys_can_be_added_here": "do not compare clientDataJSON against a template"},
                   extensions={"credProtect": 2})

    rs256 = Credential(-257, rsa_key(), fixed("rs256 credential id", 32), aaguid=fixed("rs256 aaguid", 16))
    custom_fixture("rs256-packed-self", "RS256 (2048-bit) platform authenticator: packed self attestation, UV, "
                   "counter 0 -> 1 -> 2; clientDataJSON with a tokenBinding member",
                   rs256, RP, "packed", UP | UV | AT, 0, [1, 2], UP | UV,
                   client_extra={"tokenBinding": {"status": "supported"}})

    eddsa = Credential(-8, ed_key("eddsa credential key"), fixed("eddsa credential id", 48))
    custom_fixture("eddsa-none", "EdDSA (Ed25519) security key: attestation none, UV, counter 5 -> 6",
                   eddsa, RP, "none", UP | UV | AT, 5, [6], UP | UV)

    x5c_key = ec_key("x5c attestation key")
    aaguid = fixed("x5c aaguid", 16)
    x5c_cred = Credential(-7, ec_key("x5c credential key"), fixed("x5c credential id", 16), aaguid=aaguid)
    custom_fixture("es256-packed-x5c", "ES256 security key: packed attestation with a self-signed P-256 "
                   "certificate (x5c, AAGUID extension), RP localhost over http, counter 1 -> 2",
                   x5c_cred, LOCAL_RP, "packed", UP | UV | AT, 1, [2], UP | UV,
                   x5c=[attestation_certificate(x5c_key, aaguid)], attestation_key=x5c_key)

    negative_cases(es256, rs256, eddsa, x5c_key)


if __name__ == "__main__":
    main()
