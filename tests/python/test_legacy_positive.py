"""Issue 13, acceptance 2: the whole positive legacy flow under a test CA, CT log and Rekor log.

The test builds its own trust: a Fulcio-like CA, a CT log that signs an embedded SCT, and a
Rekor-like log that signs the entry's SET, all in a custom trusted root. The signing
certificate copies the claims of the real generator v2.0.0 certificate (so the real statement
and the SLSA policy apply), re-issued by the test CA; the envelope line re-signs the real
payload with that certificate's key. A loopback log answers the entry; the tool must verify it
end to end, store it as a bundle, and later verify offline from the stored bundle alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

# The test CA needs cryptography (pinned in the nox tests session).
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID
from slsa_verify._cli import main

ASSETS = Path(__file__).resolve().parents[1] / "assets"
LEGACY = ASSETS / "slsa" / "gha_generic" / "v2.0.0"
ARTIFACT = LEGACY / "binary-linux-amd64-workflow_dispatch"
REAL_LINE = (LEGACY / "binary-linux-amd64-workflow_dispatch.intoto.jsonl").read_bytes().strip()
POLICY = ["--source-uri", "github.com/slsa-framework/example-package"]
T0 = dt.datetime(2025, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
SCT_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _der_octets(data: bytes) -> bytes:
    n = len(data)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return b"\x04" + length + data


class Trust:
    """A test CA, CT log and Rekor log, and the trusted root naming them."""

    def __init__(self) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        self.rekor_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "slsa-verify-rs tests"),
                x509.NameAttribute(NameOID.COMMON_NAME, "test fulcio"),
            ]
        )
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(1)
            .not_valid_before(T0 - dt.timedelta(days=1))
            .not_valid_after(T0 + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False
            )
            .sign(self.ca_key, hashes.SHA256())
        )

    def root_json(self) -> str:
        prod = json.loads((ASSETS / "trust" / "production" / "trusted_root.json").read_text())

        def log(key: ec.EllipticCurvePrivateKey, url: str) -> dict[str, object]:
            return {
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": _b64(_spki(key)),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": "2024-01-01T00:00:00Z"},
                },
                "logId": {"keyId": _b64(hashlib.sha256(_spki(key)).digest())},
            }

        prod["tlogs"] = [log(self.rekor_key, "https://rekor.test")]
        prod["ctlogs"] = [log(self.ct_key, "https://ct.test")]
        prod["timestampAuthorities"] = []
        prod["certificateAuthorities"] = [
            {
                "subject": {"organization": "slsa-verify-rs tests", "commonName": "test fulcio"},
                "uri": "https://fulcio.test",
                "certChain": {
                    "certificates": [
                        {"rawBytes": _b64(self.ca.public_bytes(serialization.Encoding.DER))}
                    ]
                },
                "validFor": {"start": "2024-01-01T00:00:00Z"},
            }
        ]
        return json.dumps(prod)

    def leaf(self, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
        """The real generator certificate's claims, issued by the test CA, with our SCT."""
        real_pem = json.loads(REAL_LINE)["signatures"][0]["cert"].encode()
        real = x509.load_pem_x509_certificate(real_pem)
        skip = {
            ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
            ExtensionOID.SUBJECT_KEY_IDENTIFIER,
            SCT_OID,
        }
        builder = (
            x509.CertificateBuilder()
            .subject_name(real.subject)
            .issuer_name(self.ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(T0)
            .not_valid_after(T0 + dt.timedelta(minutes=10))
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                critical=False,
            )
        )
        for ext in real.extensions:
            if ext.oid not in skip:
                builder = builder.add_extension(ext.value, critical=ext.critical)
        precert = builder.sign(self.ca_key, hashes.SHA256())
        tbs = precert.tbs_certificate_bytes
        stamp = int((T0 + dt.timedelta(seconds=30)).timestamp() * 1000).to_bytes(8, "big")
        issuer_hash = hashlib.sha256(_spki(self.ca_key)).digest()
        signed = (
            b"\x00\x00"
            + stamp
            + b"\x00\x01"
            + issuer_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + b"\x00\x00"
        )
        sig = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            b"\x00"
            + hashlib.sha256(_spki(self.ct_key)).digest()
            + stamp
            + b"\x00\x00"
            + b"\x04\x03"
            + len(sig).to_bytes(2, "big")
            + sig
        )
        listed = len(sct).to_bytes(2, "big") + sct
        value = _der_octets(len(listed).to_bytes(2, "big") + listed)
        return builder.add_extension(
            x509.UnrecognizedExtension(SCT_OID, value), critical=False
        ).sign(self.ca_key, hashes.SHA256())


def _line(trust: Trust) -> bytes:
    """The real payload, signed by a key whose certificate the test CA issued."""
    real = json.loads(REAL_LINE)
    payload = base64.b64decode(real["payload"])
    ptype = real["payloadType"].encode()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = trust.leaf(key)
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    env = {
        "payloadType": real["payloadType"],
        "payload": real["payload"],
        "signatures": [
            {
                "keyid": "",
                "sig": _b64(sig),
                "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
            }
        ],
    }
    return json.dumps(env, separators=(",", ":")).encode()


def _entry(trust: Trust, line: bytes) -> tuple[str, dict[str, object]]:
    """The dsse/0.0.1 entry the log would hold for ``line``, with its SET."""
    env = json.loads(line)
    payload = base64.b64decode(env["payload"])
    sig = env["signatures"][0]
    body = (
        '{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256",'
        f'"value":"{hashlib.sha256(line).hexdigest()}"}},"payloadHash":{{"algorithm":"sha256",'
        f'"value":"{hashlib.sha256(payload).hexdigest()}"}},"signatures":[{{"signature":'
        f'"{sig["sig"]}","verifier":"{_b64(sig["cert"].encode())}"}}]}}}}'
    ).encode()
    log_id = hashlib.sha256(_spki(trust.rekor_key)).hexdigest()
    integrated = int((T0 + dt.timedelta(minutes=1)).timestamp())
    canonical = json.dumps(
        {"body": _b64(body), "integratedTime": integrated, "logID": log_id, "logIndex": 7},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    set_sig = trust.rekor_key.sign(canonical, ec.ECDSA(hashes.SHA256()))
    uuid = hashlib.sha256(b"\x00" + body).hexdigest()
    return uuid, {
        "body": _b64(body),
        "integratedTime": integrated,
        "logID": log_id,
        "logIndex": 7,
        "verification": {"signedEntryTimestamp": _b64(set_sig)},
    }


class _Log:
    """A Rekor v1 API on 127.0.0.1: ``entries`` by UUID, or ``always`` for any UUID asked."""

    def __init__(
        self, entries: dict[str, dict[str, object]], always: dict[str, object] | None = None
    ) -> None:
        self.paths: list[str] = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                uuid = self.path.rsplit("/", 1)[-1]
                entry = always or entries.get(uuid)
                if entry is None:
                    self.send_error(404)
                    return
                body = json.dumps({uuid: entry}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[Trust, bytes, str, dict[str, object]]]:
    trust = Trust()
    line = _line(trust)
    uuid, entry = _entry(trust, line)
    return trust, line, uuid, entry


def _verify(prov: Path, root: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "verify", str(ARTIFACT), "--provenance-path", str(prov), "--trusted-root", str(root),
            *POLICY, "--json", *extra,
        ],
        out=out,
        errout=err,
    )  # fmt: skip
    return code, json.loads(out.getvalue()), err.getvalue()


def test_found_entry_verifies_is_stored_and_reused_offline(
    tmp_path: Path, setup: tuple[Trust, bytes, str, dict[str, object]]
) -> None:
    trust, line, uuid, entry = setup
    root = tmp_path / "trusted_root.json"
    root.write_text(trust.root_json())
    prov = tmp_path / "multiple.intoto.jsonl"
    prov.write_bytes(line + b"\n")
    log = _Log({uuid: entry})
    try:
        code, doc, err = _verify(prov, root, "--rekor-lookup", "--rekor-url", log.url)
    finally:
        log.close()
    assert code == 0, json.dumps(doc) + err
    text = json.dumps(doc)
    assert "https://github.com/slsa-framework/slsa-github-generator" in text
    assert f"/api/v1/log/entries/{uuid}" in log.paths
    store = tmp_path / "multiple.intoto.jsonl.sigstore.jsonl"
    (stored,) = store.read_text().splitlines()
    assert json.loads(stored)["verificationMaterial"]["tlogEntries"][0]["logIndex"] == "7"

    # Offline, no look-up: the stored bundle alone, verified again and bound to the line.
    code, doc, err = _verify(prov, root)
    assert code == 0, json.dumps(doc) + err
    assert "intoto-jsonl+stored-bundle" in json.dumps(doc)

    # A stored bundle whose SET no longer verifies is reported and ignored, never trusted.
    bad = json.loads(stored)
    promise = bad["verificationMaterial"]["tlogEntries"][0]["inclusionPromise"]
    sig = bytearray(base64.b64decode(promise["signedEntryTimestamp"]))
    sig[-1] ^= 1
    promise["signedEntryTimestamp"] = _b64(bytes(sig))
    store.write_text(json.dumps(bad) + "\n")
    code, doc, err = _verify(prov, root)
    assert code == 1
    text = json.dumps(doc)
    assert '"OnlineLookupRequired"' in text
    assert "the stored bundle for this envelope failed" in text


def test_an_entry_for_a_changed_line_is_refused(
    tmp_path: Path, setup: tuple[Trust, bytes, str, dict[str, object]]
) -> None:
    """The log answers the entry of the original line for the UUID of a changed one."""
    trust, line, _uuid, entry = setup
    root = tmp_path / "trusted_root.json"
    root.write_text(trust.root_json())
    changed = line.replace(b'"keyid":""', b'"keyid":"x"')
    assert changed != line
    prov = tmp_path / "multiple.intoto.jsonl"
    prov.write_bytes(changed + b"\n")
    # The log answers the original line's entry under every UUID asked for.
    log = _Log({}, always=entry)
    try:
        code, doc, err = _verify(prov, root, "--rekor-lookup", "--rekor-url", log.url)
    finally:
        log.close()
    assert code == 1, err
    assert '"TlogEntryMismatch"' in json.dumps(doc)
    assert not (tmp_path / "multiple.intoto.jsonl.sigstore.jsonl").exists()


@pytest.mark.parametrize(
    ("other", "kind"),
    [
        ("ct", "SctInvalid"),  # the SCT's log is not in the trusted root
        ("ca", "CertificateChainInvalid"),  # the certificate's CA is not in the trusted root
        ("rekor", "TlogUnknownLog"),  # the SET is by a log the trusted root does not name
    ],
)
def test_each_trust_anchor_is_checked(tmp_path: Path, other: str, kind: str) -> None:
    signer = Trust()
    root_trust = Trust()
    # The trusted root shares every anchor with the signer but the one under test.
    for name in ("ct", "ca", "rekor"):
        if name != other:
            setattr(root_trust, f"{name}_key", getattr(signer, f"{name}_key"))
    if other != "ca":
        root_trust.ca = signer.ca
    line = _line(signer)
    uuid, entry = _entry(signer, line)
    root = tmp_path / "trusted_root.json"
    root.write_text(root_trust.root_json())
    prov = tmp_path / "multiple.intoto.jsonl"
    prov.write_bytes(line + b"\n")
    log = _Log({uuid: entry})
    try:
        code, doc, err = _verify(prov, root, "--rekor-lookup", "--rekor-url", log.url)
    finally:
        log.close()
    assert code == 1, err
    assert f'"{kind}"' in json.dumps(doc), json.dumps(doc)
    assert not (tmp_path / "multiple.intoto.jsonl.sigstore.jsonl").exists()
