"""Offline verification of an unpacked cohort, independent of the server's code:

- certificate.json: the Ed25519 signature over the RFC 8785 form of the record, with the keys the
  partner trusts (the API's published list) and with the keys the file embeds; the record's own
  consistency (key id, verdict, counts, every distance above its threshold);
- images: every PNG under images/ hashes to a certified sha256, and every certified image is there;
- metadata.csv: every row's file exists with that sha256 and is the certified image of that
  BI-RADS class, and no image is unlisted.

Every problem is one sentence naming the file (or image) it is about.
"""
from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from .archive import path_inside
from .canonical_json import canonicalize
from .certificate import Certificate, CertificateFormatError
from .errors import ArchiveError
from .objects import PublicKey

METADATA = "metadata.csv"
CERTIFICATE = "certificate.json"
IMAGES = "images"
METADATA_COLUMNS = ["file_name", "birads", "seed", "nn_distance", "sha256"]


@dataclass
class VerifyReport:
    """What `verify_cohort` found. `ok` is true only when `problems` is empty."""

    folder: Path
    problems: List[str] = field(default_factory=list)
    #: Not failures, but what the partner should know (e.g. only the file's own key was used).
    notes: List[str] = field(default_factory=list)
    certificate: Optional[Certificate] = None

    @property
    def ok(self) -> bool:
        return not self.problems


def key_id_of(key: Ed25519PublicKey) -> str:
    """`ed25519-` + the first 16 hex digits of sha256 over the raw 32-byte public key."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "ed25519-" + hashlib.sha256(raw).hexdigest()[:16]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_signature(cert: Certificate, keys: Sequence[PublicKey]) -> List[str]:
    """Problems with the signature under `keys` (empty: the record is exactly what that key signed)."""
    key = next((k for k in keys if k.key_id == cert.key_id), None)
    if key is None:
        return [f"signed by key {cert.key_id}, which is not among the {len(keys)} trusted public key(s)"]
    try:
        public = load_pem_public_key(key.public_key_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as e:
        return [f"public key {key.key_id} cannot be read ({e})"]
    if not isinstance(public, Ed25519PublicKey):
        return [f"public key {key.key_id} is not an Ed25519 key"]
    # The id is recomputed, so that a key cannot be listed under another key's id.
    if key_id_of(public) != key.key_id:
        return [f"public key listed as {key.key_id} actually has key id {key_id_of(public)}"]
    try:
        payload = canonicalize(cert.record).encode("utf-8")
        public.verify(base64.b64decode(cert.signature, validate=True), payload)
    except (InvalidSignature, binascii.Error, ValueError):
        return [f"the Ed25519 signature does not match the certificate content (key {key.key_id}): the certificate was altered or signed by another key"]
    return []


def check_record(cert: Certificate) -> List[str]:
    """The record's own consistency; a signed record can still certify a failed cohort."""
    r = cert.record
    problems: List[str] = []
    if r.get("keyId") != cert.key_id:
        problems.append(f"the certificate names key {r.get('keyId')} but the signature is by {cert.key_id}")
    verdict = r.get("verdict") or {}
    if verdict.get("passed") is not True:
        problems.append(f"the certificate records that the cohort failed: {verdict.get('reason') or 'no reason given'}")
    delivered = (r.get("counts") or {}).get("delivered")
    if delivered != len(cert.images):
        problems.append(f"counts.delivered is {delivered} but {len(cert.images)} images are listed")
    for img in cert.images:
        nn, threshold = img.get("nnDistance"), img.get("threshold")
        if not (isinstance(nn, (int, float)) and isinstance(threshold, (int, float)) and nn >= threshold):
            problems.append(f"image {img.get('index')}: nearest-neighbour distance {nn} is below the threshold {threshold}")
    return problems


def png_text(data: bytes) -> Dict[str, str]:
    """The tEXt / uncompressed iTXt chunks of a PNG, read leniently (a damaged file still names itself)."""
    text: Dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"tEXt" and b"\0" in body:
            key, _, value = body.partition(b"\0")
            text[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"iTXt" and b"\0" in body:
            key, _, rest = body.partition(b"\0")
            if rest[:1] == b"\0":  # uncompressed
                parts = rest[2:].split(b"\0", 2)
                if len(parts) == 3:
                    text[key.decode("latin-1")] = parts[2].decode("utf-8", "replace")
        elif kind == b"IEND":
            break
        pos += 12 + length
    return text


def check_images(cert: Certificate, folder: Path) -> List[str]:
    """Every PNG under images/ is a certified image (by sha256); every certified image has a file."""
    images_dir = folder / IMAGES
    if not images_dir.is_dir():
        return [f"{IMAGES}/: missing"]
    by_hash = {img.get("sha256"): img.get("index") for img in cert.images}
    indices = {str(i) for i in by_hash.values()}
    found = set()
    problems: List[str] = []
    for path in sorted(p for p in images_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".png"):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        name = path.relative_to(folder).as_posix()
        if digest in by_hash:
            found.add(digest)
            continue
        claimed = png_text(data).get("SynthBUS-ImageIndex")
        problems.append(
            f"{name}: sha256 differs from the certificate (image {claimed})"
            if claimed in indices
            else f"{name}: not an image this certificate lists"
        )
    for img in cert.images:
        if img.get("sha256") not in found:
            problems.append(f"image {img.get('index')}: no file under {IMAGES}/ has the certified sha256 {img.get('sha256')}")
    return problems


def check_metadata(folder: Path, cert: Optional[Certificate]) -> List[str]:
    """metadata.csv against the files on disk and, when it parsed, the certificate."""
    path = folder / METADATA
    if not path.is_file():
        return [f"{METADATA}: missing"]
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != METADATA_COLUMNS:
        return [f"{METADATA}: header is {','.join(rows[0]) if rows else 'missing'}, expected {','.join(METADATA_COLUMNS)}"]
    certified = {img.get("sha256"): img for img in cert.images} if cert else {}
    problems: List[str] = []
    listed = set()
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(METADATA_COLUMNS):
            problems.append(f"{METADATA} line {line}: {len(row)} columns, expected {len(METADATA_COLUMNS)}")
            continue
        file_name, birads, _seed, _nn, sha = row
        try:
            target = path_inside(folder, file_name)
        except ArchiveError:
            problems.append(f'{METADATA} line {line}: file_name "{file_name}" points outside the cohort folder')
            continue
        listed.add(target)
        if not target.is_file():
            problems.append(f"{file_name}: missing (listed in {METADATA})")
            continue
        actual = sha256_file(target)
        if actual != sha:
            problems.append(f"{file_name}: sha256 is {actual}, but {METADATA} says {sha}")
        elif cert is not None:
            img = certified.get(sha)
            if img is None:
                problems.append(f"{file_name}: its sha256 ({METADATA} line {line}) is not in the certificate")
            elif str(img.get("birads")) != birads:
                problems.append(f"{file_name}: {METADATA} says BI-RADS {birads}, the certificate says {img.get('birads')} (image {img.get('index')})")
    images_dir = folder / IMAGES
    for p in sorted(images_dir.rglob("*")) if images_dir.is_dir() else []:
        if p.is_file() and p.resolve() not in listed:
            problems.append(f"{p.relative_to(folder).as_posix()}: not listed in {METADATA}")
    return problems


def read_keys_file(path: Union[str, Path]) -> List[PublicKey]:
    """The API's published keys as saved by a partner: a JSON array of {keyId, publicKeyPem} or {"keys": [...]}."""
    value: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    items = value.get("keys") if isinstance(value, Mapping) else value
    if not isinstance(items, list) or not all(isinstance(k, Mapping) and "keyId" in k and "publicKeyPem" in k for k in items):
        raise ValueError(f"{path}: expected a JSON array of {{keyId, publicKeyPem}} (or {{\"keys\": [...]}})")
    return [PublicKey.from_json(k) for k in items]


def verify_cohort(folder: Union[str, Path], trusted_keys: Optional[Sequence[PublicKey]] = None) -> VerifyReport:
    """Checks an unpacked cohort. `trusted_keys`: the API's published keys (`Client.certificate_keys()`
    or `read_keys_file`); without them only the keys embedded in certificate.json are used, which
    proves the file is intact but not who made it (the report's notes say so)."""
    root = Path(folder)
    report = VerifyReport(root)
    try:
        cert: Optional[Certificate] = Certificate.load(root / CERTIFICATE)
    except FileNotFoundError:
        cert = None
        report.problems.append(f"{CERTIFICATE}: missing")
    except CertificateFormatError as e:
        cert = None
        report.problems.append(str(e))
    report.certificate = cert
    if cert is not None:
        if trusted_keys is None:
            report.notes.append(
                f"checked against the key embedded in {CERTIFICATE} ({cert.key_id}); to prove who signed it, "
                "compare that key id with the keys the SynthBUS API publishes, or pass them (--keys)"
            )
            signature = check_signature(cert, cert.public_keys)
        else:
            embedded = [f"{p} (with the key embedded in the file)" for p in check_signature(cert, cert.public_keys)]
            signature = check_signature(cert, trusted_keys) + embedded
        report.problems += [f"{CERTIFICATE}: {p}" for p in signature + check_record(cert)]
        report.problems += check_images(cert, root)
    report.problems += check_metadata(root, cert)
    return report
