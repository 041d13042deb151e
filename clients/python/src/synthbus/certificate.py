"""certificate.json: the signed privacy certificate a cohort ships (docs/certificate-format.md)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Union

from .objects import PublicKey

FILE_FORMAT = "synthbus-certificate-file"


class CertificateFormatError(ValueError):
    """The file is not a SynthBUS certificate file of a version this client reads."""


@dataclass(frozen=True)
class Certificate:
    """A parsed certificate file. Parsing checks structure only: `synthbus.verify_cohort` (or
    `Cohort.verify`) checks the signature and the images."""

    #: The key that signed, as the file's envelope names it.
    key_id: str
    #: base64 Ed25519 signature over the UTF-8 bytes of the RFC 8785 form of `record`.
    signature: str
    #: The signed certificate record, as parsed JSON.
    record: Dict[str, Any]
    #: The keys the file embeds (they prove nothing about who signed: compare with the API's).
    public_keys: List[PublicKey]

    @classmethod
    def parse(cls, text: str, source: str = "certificate.json") -> "Certificate":
        try:
            v = json.loads(text)
        except ValueError as e:
            raise CertificateFormatError(f"{source}: not valid JSON ({e})") from None
        if not isinstance(v, dict) or v.get("format") != FILE_FORMAT:
            raise CertificateFormatError(f'{source}: not a SynthBUS certificate file (format is not "{FILE_FORMAT}")')
        if v.get("formatVersion") != 1:
            raise CertificateFormatError(f"{source}: formatVersion {v.get('formatVersion')} is not supported")
        if v.get("algorithm") != "Ed25519":
            raise CertificateFormatError(f"{source}: algorithm {v.get('algorithm')} is not supported")
        if not isinstance(v.get("keyId"), str) or not isinstance(v.get("signature"), str):
            raise CertificateFormatError(f"{source}: keyId or signature is missing")
        if not isinstance(v.get("certificate"), dict):
            raise CertificateFormatError(f"{source}: certificate is missing")
        keys = v.get("publicKeys")
        if not isinstance(keys, list) or not all(_is_key(k) for k in keys):
            raise CertificateFormatError(f"{source}: publicKeys is missing or malformed")
        return cls(v["keyId"], v["signature"], v["certificate"], [PublicKey.from_json(k) for k in keys])

    @classmethod
    def load(cls, path: Union[str, Path]) -> "Certificate":
        p = Path(path)
        return cls.parse(p.read_text(encoding="utf-8"), str(p))

    @property
    def certificate_id(self) -> str:
        return str(self.record.get("certificateId"))

    @property
    def order_id(self) -> str:
        return str(self.record.get("order", {}).get("orderId"))

    @property
    def passed(self) -> bool:
        return self.record.get("verdict", {}).get("passed") is True

    @property
    def images(self) -> List[Dict[str, Any]]:
        """Per delivered image: index, birads, seed, attempt, sha256, nnDistance, threshold, rejections, dcr."""
        images = self.record.get("images")
        return images if isinstance(images, list) else []

    def summary(self) -> str:
        """A few lines for people: what was made, how far from the training data, the verdict."""
        r = self.record
        model = r.get("model", {})
        counts = r.get("counts", {})
        check = r.get("privacyCheck", {})
        nn = r.get("nnDistances", {})
        dcr = r.get("dcr", {})
        verdict = r.get("verdict", {})
        median = next((q["d"] for q in nn.get("delivered", []) if q.get("q") == 0.5), None)
        lines = [
            f"SynthBUS privacy certificate {r.get('certificateId')} for order {self.order_id}",
            f"  model:     {model.get('name')} ({model.get('modelId')}, bundle {str(model.get('bundleHash'))[:12]})",
            f"  images:    {counts.get('delivered')} delivered, {counts.get('rejected')} rejected, {counts.get('generated')} generated",
            f"  distance to the nearest training image ({check.get('metric')}, {check.get('search')} search): "
            f"min {_num(nn.get('min'))}, median {_num(median)}, max {_num(nn.get('max'))}; threshold {_num(check.get('threshold'))}",
            f"  DCR share: {_num(dcr.get('share'))} (95% CI {_num(dcr.get('ciLow'))}-{_num(dcr.get('ciHigh'))}, n={dcr.get('n')})",
            f"  verdict:   {'passed' if verdict.get('passed') else 'FAILED: ' + str(verdict.get('reason'))}",
            f"  signed:    {r.get('signedAt')} by {self.key_id}",
        ]
        return "\n".join(lines)


def _num(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else "?"


def _is_key(k: Any) -> bool:
    return isinstance(k, Mapping) and isinstance(k.get("keyId"), str) and isinstance(k.get("publicKeyPem"), str)
