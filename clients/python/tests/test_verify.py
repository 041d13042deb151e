"""Verification in Python of certificates made by the TypeScript server, and the cross-check:
a tampered byte fails in both verifiers, each naming the file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from synthbus import Client, Cohort, PublicKey, VerificationError, verify_cohort
from synthbus.verify import key_id_of

from conftest import SERVER_DIR


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def node_verify(cohort: Cohort) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        ["node", str(SERVER_DIR / "dist/src/cli/verify-certificate.js"), str(cohort.path / "certificate.json"), "--images", str(cohort.path / "images")],
        capture_output=True, text=True, timeout=60,
    )


def python_verify(cohort: Cohort, *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, "-m", "synthbus", "verify", str(cohort.path), *args], capture_output=True, text=True, timeout=60)


def test_a_server_certificate_verifies_with_the_published_keys(client: Client, pulled: Cohort) -> None:
    keys = client.certificate_keys()
    report = verify_cohort(pulled.path, keys)
    assert report.ok, report.problems
    assert report.certificate is not None and report.certificate.key_id == keys[0].key_id
    assert node_verify(pulled).returncode == 0


def test_the_console_script_verifies_and_notes_the_embedded_key(pulled: Cohort, client: Client, tmp_path: Path) -> None:
    plain = python_verify(pulled)
    assert plain.returncode == 0, plain.stdout
    assert plain.stdout.startswith("note: checked against the key embedded")
    assert "OK: 6 images" in plain.stdout
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps([k.to_json() for k in client.certificate_keys()]))
    with_keys = python_verify(pulled, "--keys", str(keys_file))
    assert with_keys.returncode == 0 and "note:" not in with_keys.stdout


def test_a_tampered_image_byte_fails_in_both_verifiers_naming_the_file(cohort_copy: Cohort) -> None:
    record = cohort_copy.records()[2]
    flip_byte(record.path, len(record.path.read_bytes()) - 20)  # inside the image data, not the header
    py = python_verify(cohort_copy)
    node = node_verify(cohort_copy)
    assert py.returncode == 1 and node.returncode == 1
    assert record.file_name in py.stdout
    assert record.file_name in node.stdout
    with pytest.raises(VerificationError) as e:
        cohort_copy.verify()
    assert any(p.startswith(f"{record.file_name}: sha256 is") for p in e.value.problems)  # against metadata.csv
    assert any(p.startswith(f"{record.file_name}: sha256 differs from the certificate (image {record.index})") for p in e.value.problems)


def test_a_changed_certificate_value_breaks_the_signature(cohort_copy: Cohort) -> None:
    path = cohort_copy.path / "certificate.json"
    cert = json.loads(path.read_text())
    cert["certificate"]["counts"]["rejected"] += 1
    path.write_text(json.dumps(cert, indent=4))  # whitespace alone would not matter; the value does
    problems = cohort_copy.verify(raise_on_failure=False).problems
    assert any("Ed25519 signature does not match" in p and p.startswith("certificate.json") for p in problems)
    assert node_verify(cohort_copy).returncode == 1


def test_reformatting_the_certificate_keeps_it_valid(cohort_copy: Cohort) -> None:
    path = cohort_copy.path / "certificate.json"
    cert = json.loads(path.read_text())
    path.write_text(json.dumps(cert, indent=None, sort_keys=True))
    assert cohort_copy.verify().ok


def test_a_key_the_partner_does_not_trust_is_refused(pulled: Cohort) -> None:
    pem = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    stranger = PublicKey(key_id_of(load_pem_public_key(pem.encode())), pem)  # type: ignore[arg-type]
    problems = pulled.verify([stranger], raise_on_failure=False).problems
    assert any("not among the 1 trusted public key(s)" in p for p in problems)
    # the same key listed under the signer's id: the id is recomputed from the key
    impostor = PublicKey(pulled.certificate.key_id, pem)
    problems = pulled.verify([impostor], raise_on_failure=False).problems
    assert any(f"public key listed as {pulled.certificate.key_id} actually has key id {stranger.key_id}" in p for p in problems)


def test_an_unlisted_image_and_a_missing_one_are_named(cohort_copy: Cohort) -> None:
    first, second = cohort_copy.records()[:2]
    second.path.rename(second.path.with_name("999999.png"))
    problems = cohort_copy.verify(raise_on_failure=False).problems
    assert f"{second.file_name}: missing (listed in metadata.csv)" in problems
    assert any(p.startswith(f"{second.file_name.rsplit('/', 1)[0]}/999999.png: not listed in metadata.csv") for p in problems)
    assert not any(first.file_name in p for p in problems)
