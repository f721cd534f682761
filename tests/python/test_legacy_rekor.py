"""Issue 13 / spec §4.9: legacy ``.intoto.jsonl`` lines looked up in a Rekor log.

A loopback server on 127.0.0.1 plays the log; what it answers is untrusted.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import slsa_verify
from slsa_verify import errors
from slsa_verify._cli import main

ASSETS = Path(__file__).resolve().parents[1] / "assets"
LEGACY = ASSETS / "slsa" / "gha_generic" / "v2.0.0"
ARTIFACT = LEGACY / "binary-linux-amd64-workflow_dispatch"
PROVENANCE = LEGACY / "binary-linux-amd64-workflow_dispatch.intoto.jsonl"
TRIPLES = ASSETS / "legacy-rekor"
POLICY = ["--source-uri", "github.com/slsa-framework/example-package"]

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


def _rekor_answer(triple: str) -> bytes:
    """A real entry of another envelope, in the Rekor v1 API shape."""
    rb = json.loads((TRIPLES / triple / "cosign-rekor-bundle.json").read_bytes())
    p = rb["Payload"]
    body = base64.b64decode(p["body"])
    uuid = hashlib.sha256(b"\0" + body).hexdigest()
    return json.dumps(
        {
            uuid: {
                "body": p["body"],
                "integratedTime": p["integratedTime"],
                "logID": p["logID"],
                "logIndex": p["logIndex"],
                "verification": {"signedEntryTimestamp": rb["SignedEntryTimestamp"]},
            }
        }
    ).encode()


class _Server:
    def __init__(self) -> None:
        self.handler: Handler = lambda h: h.send_error(404)
        self.paths: list[str] = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                outer.handler(self)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def rekor() -> Iterator[_Server]:
    s = _Server()
    try:
        yield s
    finally:
        s.close()


def _send(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _cli(*extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(
        ["verify", str(ARTIFACT), "--provenance-path", str(PROVENANCE), *POLICY, "--json", *extra]
    )
    out = capsys.readouterr().out
    return code, json.loads(out)


def _kind(doc: dict[str, object]) -> str:
    text = json.dumps(doc)
    for k in (
        "OnlineLookupRequired",
        "TlogEntryMissing",
        "TlogEntryMismatch",
        "NetworkError",
        "UsageError",
    ):
        if f'"{k}"' in text:
            return k
    return text


def test_lookup_off_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(errors.OnlineLookupRequired) as exc:
        slsa_verify.verify_wheel(
            ARTIFACT,
            PROVENANCE,
            policy=slsa_verify.SlsaSource("github.com/slsa-framework/example-package"),
        )
    assert "--rekor-lookup" in exc.value.detail
    code = main(["verify", str(ARTIFACT), "--provenance-path", str(PROVENANCE), *POLICY])
    err = capsys.readouterr().err
    assert code == 1
    assert "OnlineLookupRequired" in err
    assert "hint:" in err
    assert "--rekor-lookup" in err


def test_log_without_entry_is_tlog_entry_missing(
    rekor: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = _cli("--rekor-lookup", "--rekor-url", rekor.url, capsys=capsys)
    assert code == 1
    assert _kind(doc) == "TlogEntryMissing"
    # Both candidate UUIDs (intoto/0.0.1 and dsse/0.0.1) were asked for.
    assert len(rekor.paths) == 2
    assert all(p.startswith("/api/v1/log/entries/") for p in rekor.paths)
    assert all(p.rsplit("/", 1)[1] in json.dumps(doc) for p in rekor.paths)
    with pytest.raises(errors.TlogEntryMissing):
        slsa_verify.verify_wheel(
            ARTIFACT,
            PROVENANCE,
            policy=slsa_verify.SlsaSource("github.com/slsa-framework/example-package"),
            rekor_lookup=True,
            rekor_url=rekor.url,
        )


@pytest.mark.parametrize("triple", ["container-v1.4.0", "container-v2.0.0"])
def test_entry_of_another_envelope_is_refused(
    triple: str, rekor: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = _rekor_answer(triple)
    rekor.handler = lambda h: _send(h, 200, answer)
    code, doc = _cli("--rekor-lookup", "--rekor-url", rekor.url, capsys=capsys)
    assert code == 1
    assert _kind(doc) == "TlogEntryMismatch"


def _redirect(h: http.server.BaseHTTPRequestHandler) -> None:
    h.send_response(302)
    h.send_header("Location", "/elsewhere" + h.path)
    h.send_header("Content-Length", "0")
    h.end_headers()


@pytest.mark.parametrize(
    "handler",
    [
        lambda h: _send(h, 200, b"this is not json"),
        lambda h: _send(h, 200, b'{"x": 1}'),
        lambda h: _send(h, 500, b"{}"),
        _redirect,
    ],
    ids=["garbage", "wrong-shape", "5xx", "redirect"],
)
def test_bad_log_answers_are_network_errors(
    handler: Handler, rekor: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    def serve(h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path.startswith("/elsewhere"):
            _send(h, 200, _rekor_answer("container-v2.0.0"))
        else:
            handler(h)

    rekor.handler = serve
    code, doc = _cli("--rekor-lookup", "--rekor-url", rekor.url, capsys=capsys)
    assert code == 4
    assert _kind(doc) == "NetworkError"


def test_rekor_url_must_be_https_or_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _cli("--rekor-lookup", "--rekor-url", "http://rekor.example", capsys=capsys)
    assert code == 2
    assert _kind(doc) == "UsageError"
    code, doc = _cli("--rekor-url", "https://rekor.example", capsys=capsys)
    assert code == 2
    assert _kind(doc) == "UsageError"


def test_a_stored_bundle_that_fails_is_reported_and_ignored(tmp_path: Path, rekor: _Server) -> None:
    prov = tmp_path / PROVENANCE.name
    prov.write_bytes(PROVENANCE.read_bytes())
    # An unreadable line and a real bundle of another envelope.
    (tmp_path / (PROVENANCE.name + ".sigstore.jsonl")).write_text("not a bundle\n{}\n")
    with pytest.raises(errors.OnlineLookupRequired) as exc:
        slsa_verify.verify_wheel(
            ARTIFACT,
            prov,
            policy=slsa_verify.SlsaSource("github.com/slsa-framework/example-package"),
        )
    assert "stored bundle line 1 is unreadable and was ignored" in exc.value.detail
    # With the look-up, the log is still asked and its answer decides.
    with pytest.raises(errors.TlogEntryMissing):
        slsa_verify.verify_wheel(
            ARTIFACT,
            prov,
            policy=slsa_verify.SlsaSource("github.com/slsa-framework/example-package"),
            rekor_lookup=True,
            rekor_url=rekor.url,
        )
    assert len(rekor.paths) == 2


def test_bundles_stored_in_the_user_cache_are_read_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provenance whose folder was not writable: the store lives in the user cache,
    keyed by the provenance's sha256, and is read back (and checked) from there."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SLSA_VERIFY_CACHE_DIR", str(cache))
    digest = hashlib.sha256(PROVENANCE.read_bytes()).hexdigest()
    store = cache / "legacy-bundles" / f"{digest}.sigstore.jsonl"
    store.parent.mkdir(parents=True)
    store.write_text("not a bundle\n")
    with pytest.raises(errors.OnlineLookupRequired) as exc:
        slsa_verify.verify_wheel(
            ARTIFACT,
            PROVENANCE,
            policy=slsa_verify.SlsaSource("github.com/slsa-framework/example-package"),
        )
    assert "stored bundle line 1 is unreadable and was ignored" in exc.value.detail
    # A store beside the provenance wins over the cache's.
    beside = tmp_path / PROVENANCE.name
    beside.write_bytes(PROVENANCE.read_bytes())
    (tmp_path / (PROVENANCE.name + ".sigstore.jsonl")).write_text("\n")
    with pytest.raises(errors.OnlineLookupRequired) as exc:
        slsa_verify.verify_wheel(
            ARTIFACT,
            beside,
            policy=slsa_verify.SlsaSource("github.com/slsa-framework/example-package"),
        )
    assert "unreadable" not in exc.value.detail
