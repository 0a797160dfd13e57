#!/usr/bin/env python3
"""Writes the PSKC (RFC 6030) fixtures for TokenImportTests, independently of Portcullis's Swift code.

Run from anywhere:  python3 Tests/PortcullisTokenImportTests/Fixtures/make_pskc.py
Needs the `cryptography` package. Output is deterministic (fixed keys, seeds and IVs), so re-running it changes
nothing unless this script changes.

Files written next to this script:
  rfc6030-figure6.xml              RFC 6030 figure 6, verbatim (checked here: it decrypts and its MAC verifies)
  pskc-plain.xml                   plain secrets: figure 2 style (no DeviceInfo), figure 3 style, SHA256/SHA512 suites
  pskc-encrypted.xml               pre-shared key AES-128-CBC + HMAC-SHA1, other namespace prefixes than the RFC's
  pskc-encrypted-expected.json     what pskc-encrypted.xml holds, and each token's HOTP code at its counter
  pskc-tampered-cipher.xml         pskc-encrypted.xml with one ciphertext byte of KeyPackage 2 flipped
  pskc-tampered-mac.xml            pskc-encrypted.xml with the ValueMAC of KeyPackage 1 changed
  pskc-encrypted-no-mac.xml        encrypted secret but no MACMethod/ValueMAC (must be refused)
  pskc-problems.xml                plain file with a TOTP key, a 7-digit format, a duplicate serial, a short seed
  pskc-doctype.xml                 an XXE attempt
"""

import base64
import hashlib
import hmac
import json
import os
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = os.path.dirname(os.path.abspath(__file__))

# Keys used by pskc-encrypted.xml (the Swift test uses the same pre-shared key).
PRE_SHARED_KEY = bytes.fromhex("a1b2c3d4e5f60718293a4b5c6d7e8f90")
MAC_KEY = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f000112233")
RFC4226_SEED = b"12345678901234567890"
SEED_32 = b"12345678901234567890123456789012"  # the RFC 6238 SHA-256 seed


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(padded) + encryptor.finalize()


def aes_cbc_decrypt(key: bytes, iv_and_ciphertext: bytes) -> bytes:
    iv, ciphertext = iv_and_ciphertext[:16], iv_and_ciphertext[16:]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def hotp(seed: bytes, counter: int, digits: int, digest) -> str:
    mac = hmac.new(seed, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(binary % (10 ** digits)).zfill(digits)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def write(name: str, text: str) -> None:
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# RFC 6030 figure 6 (pre-shared key 12345678901234567890123456789012, MAC key 1122...9900), as published.
FIGURE_6 = """<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0"
    xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
    xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
    <EncryptionKey>
        <ds:KeyName>Pre-shared-key</ds:KeyName>
    </EncryptionKey>
    <MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1">
        <MACKey>
            <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
            <xenc:CipherData>
                <xenc:CipherValue>
    ESIzRFVmd4iZABEiM0RVZgKn6WjLaTC1sbeBMSvIhRejN9vJa2BOlSaMrR7I5wSX
                </xenc:CipherValue>
            </xenc:CipherData>
        </MACKey>
    </MACMethod>
    <KeyPackage>
        <DeviceInfo>
            <Manufacturer>Manufacturer</Manufacturer>
            <SerialNo>987654321</SerialNo>
        </DeviceInfo>
        <CryptoModuleInfo>
            <Id>CM_ID_001</Id>
        </CryptoModuleInfo>
        <Key Id="12345678"
            Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <Issuer>Issuer</Issuer>
            <AlgorithmParameters>
                <ResponseFormat Length="8" Encoding="DECIMAL"/>
            </AlgorithmParameters>
            <Data>
                <Secret>
                    <EncryptedValue>
                        <xenc:EncryptionMethod
            Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
                        <xenc:CipherData>
                            <xenc:CipherValue>
    AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv
                            </xenc:CipherValue>
                        </xenc:CipherData>
                    </EncryptedValue>
                    <ValueMAC>Su+NvtQfmvfJzF6bmQiJqoLRExc=
                    </ValueMAC>
                </Secret>
                <Counter>
                    <PlainValue>0</PlainValue>
                </Counter>
            </Data>
        </Key>
    </KeyPackage>
</KeyContainer>
"""


def check_figure_6() -> None:
    psk = bytes.fromhex("12345678901234567890123456789012")
    mac_key = aes_cbc_decrypt(psk, base64.b64decode("ESIzRFVmd4iZABEiM0RVZgKn6WjLaTC1sbeBMSvIhRejN9vJa2BOlSaMrR7I5wSX"))
    assert mac_key == bytes.fromhex("1122334455667788990011223344556677889900"), mac_key.hex()
    cipher_value = base64.b64decode("AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv")
    assert base64.b64decode("Su+NvtQfmvfJzF6bmQiJqoLRExc=") == hmac.new(mac_key, cipher_value, hashlib.sha1).digest()
    assert aes_cbc_decrypt(psk, cipher_value) == RFC4226_SEED


PLAIN = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Plain secrets. KeyPackage 1 is RFC 6030 figure 2 (no DeviceInfo: the serial is the Key Id). -->
<KeyContainer Version="1.0" Id="exampleID1" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
    <KeyPackage>
        <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <Issuer>Issuer-A</Issuer>
            <Data>
                <Secret>
                    <PlainValue>{b64(RFC4226_SEED)}
                    </PlainValue>
                </Secret>
            </Data>
        </Key>
    </KeyPackage>
    <KeyPackage>
        <DeviceInfo>
            <Manufacturer>Manufacturer</Manufacturer>
            <SerialNo>987654321</SerialNo>
            <UserId>DC=example-bank,DC=net</UserId>
        </DeviceInfo>
        <CryptoModuleInfo><Id>CM_ID_001</Id></CryptoModuleInfo>
        <Key Id="KID-2" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <Issuer>Issuer</Issuer>
            <AlgorithmParameters>
                <Suite>HMAC-SHA256</Suite>
                <ResponseFormat Length="8" Encoding="DECIMAL"/>
            </AlgorithmParameters>
            <Data>
                <Secret><PlainValue>{b64(SEED_32)}</PlainValue></Secret>
                <Counter><PlainValue>7</PlainValue></Counter>
            </Data>
            <UserId>UID=jsmith,DC=example-bank,DC=net</UserId>
            <Policy><KeyUsage>OTP</KeyUsage></Policy>
        </Key>
    </KeyPackage>
    <KeyPackage>
        <DeviceInfo><SerialNo>SN-512</SerialNo></DeviceInfo>
        <Key Id="KID-3" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <AlgorithmParameters>
                <Suite>HMAC-SHA512</Suite>
                <ResponseFormat Length="6" Encoding="DECIMAL"/>
            </AlgorithmParameters>
            <Data>
                <Secret><PlainValue>{b64(bytes(range(64)))}</PlainValue></Secret>
                <Counter><PlainValue>18446744073709551615</PlainValue></Counter>
            </Data>
        </Key>
    </KeyPackage>
</KeyContainer>
"""

ENCRYPTED_TOKENS = [
    # serial, seed, digits, suite, counter, IV
    ("TOKEN-0001", RFC4226_SEED, 6, None, 0, bytes(range(16, 32))),
    ("TOKEN-0002", SEED_32, 8, "HMAC-SHA256", 42, bytes(range(32, 48))),
]
MAC_KEY_IV = bytes(range(0, 16))


def encrypted_file(tokens, tamper_cipher_in=None, tamper_mac_in=None, with_mac=True) -> str:
    """An encrypted container. Prefixes differ from the RFC's on purpose: pskc:, enc:, dsig:."""
    packages = []
    for number, (serial, seed, digits, suite, counter, iv) in enumerate(tokens, start=1):
        cipher_value = aes_cbc_encrypt(PRE_SHARED_KEY, iv, seed)
        value_mac = hmac.new(MAC_KEY, cipher_value, hashlib.sha1).digest()
        if tamper_cipher_in == number:
            flipped = bytearray(cipher_value)
            flipped[20] ^= 0x01  # a ciphertext byte, after the IV
            cipher_value = bytes(flipped)
        if tamper_mac_in == number:
            changed = bytearray(value_mac)
            changed[0] ^= 0x80
            value_mac = bytes(changed)
        suite_xml = f"\n                <pskc:Suite>{suite}</pskc:Suite>" if suite else ""
        mac_xml = f"\n                    <pskc:ValueMAC>{b64(value_mac)}</pskc:ValueMAC>" if with_mac else ""
        packages.append(f"""    <pskc:KeyPackage>
        <pskc:DeviceInfo>
            <pskc:Manufacturer>Example Tokens</pskc:Manufacturer>
            <pskc:SerialNo>{serial}</pskc:SerialNo>
        </pskc:DeviceInfo>
        <pskc:Key Id="{serial}-key" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <pskc:Issuer>Example</pskc:Issuer>
            <pskc:AlgorithmParameters>{suite_xml}
                <pskc:ResponseFormat Length="{digits}" Encoding="DECIMAL"/>
            </pskc:AlgorithmParameters>
            <pskc:Data>
                <pskc:Secret>
                    <pskc:EncryptedValue>
                        <enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
                        <enc:CipherData>
                            <enc:CipherValue>{b64(cipher_value)}</enc:CipherValue>
                        </enc:CipherData>
                    </pskc:EncryptedValue>{mac_xml}
                </pskc:Secret>
                <pskc:Counter><pskc:PlainValue>{counter}</pskc:PlainValue></pskc:Counter>
            </pskc:Data>
        </pskc:Key>
    </pskc:KeyPackage>
""")
    mac_method = f"""    <pskc:MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1">
        <pskc:MACKey>
            <enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
            <enc:CipherData>
                <enc:CipherValue>{b64(aes_cbc_encrypt(PRE_SHARED_KEY, MAC_KEY_IV, MAC_KEY))}</enc:CipherValue>
            </enc:CipherData>
        </pskc:MACKey>
    </pskc:MACMethod>
""" if with_mac else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<pskc:KeyContainer Version="1.0"
    xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:dsig="http://www.w3.org/2000/09/xmldsig#"
    xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
    <pskc:EncryptionKey>
        <dsig:KeyName>Pre-shared-key</dsig:KeyName>
    </pskc:EncryptionKey>
{mac_method}{"".join(packages)}</pskc:KeyContainer>
"""


def plain_package(serial_xml: str, key_id: str, algorithm: str, seed: bytes, length: int) -> str:
    return f"""    <KeyPackage>{serial_xml}
        <Key Id="{key_id}" Algorithm="{algorithm}">
            <AlgorithmParameters><ResponseFormat Length="{length}" Encoding="DECIMAL"/></AlgorithmParameters>
            <Data><Secret><PlainValue>{b64(seed)}</PlainValue></Secret></Data>
        </Key>
    </KeyPackage>
"""


HOTP = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"
PROBLEMS = f"""<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
{plain_package("<DeviceInfo><SerialNo>GOOD-1</SerialNo></DeviceInfo>", "k1", HOTP, RFC4226_SEED, 6)
}{plain_package("<DeviceInfo><SerialNo>TOTP-1</SerialNo></DeviceInfo>", "k2", "urn:ietf:params:xml:ns:keyprov:pskc:totp", RFC4226_SEED, 6)
}{plain_package("<DeviceInfo><SerialNo>SEVEN-1</SerialNo></DeviceInfo>", "k3", HOTP, RFC4226_SEED, 7)
}{plain_package("<DeviceInfo><SerialNo>GOOD-1</SerialNo></DeviceInfo>", "k4", HOTP, SEED_32, 6)
}{plain_package("<DeviceInfo><SerialNo>SHORT-1</SerialNo></DeviceInfo>", "k5", HOTP, b"0123456789", 6)
}</KeyContainer>
"""

DOCTYPE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE KeyContainer [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
    <KeyPackage>
        <DeviceInfo><SerialNo>&xxe;</SerialNo></DeviceInfo>
        <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data>
        </Key>
    </KeyPackage>
</KeyContainer>
"""


def main() -> None:
    check_figure_6()
    write("rfc6030-figure6.xml", FIGURE_6)
    write("pskc-plain.xml", PLAIN)
    write("pskc-encrypted.xml", encrypted_file(ENCRYPTED_TOKENS))
    write("pskc-tampered-cipher.xml", encrypted_file(ENCRYPTED_TOKENS, tamper_cipher_in=2))
    write("pskc-tampered-mac.xml", encrypted_file(ENCRYPTED_TOKENS, tamper_mac_in=1))
    write("pskc-encrypted-no-mac.xml", encrypted_file(ENCRYPTED_TOKENS[:1], with_mac=False))
    write("pskc-problems.xml", PROBLEMS)
    write("pskc-doctype.xml", DOCTYPE)

    digests = {None: (hashlib.sha1, "SHA1"), "HMAC-SHA256": (hashlib.sha256, "SHA256")}
    expected = {
        "preSharedKey": PRE_SHARED_KEY.hex(),
        "tokens": [
            {
                "serial": serial,
                "seed": seed.hex(),
                "digits": digits,
                "algorithm": digests[suite][1],
                "counter": counter,
                "code": hotp(seed, counter, digits, digests[suite][0]),
            }
            for serial, seed, digits, suite, counter, _ in ENCRYPTED_TOKENS
        ],
    }
    write("pskc-encrypted-expected.json", json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    main()
