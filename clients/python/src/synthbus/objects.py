"""The API's objects as frozen dataclasses, built from GraphQL responses (camelCase to snake_case)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

FINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


def _time(value: Any) -> Optional[datetime]:
    # Python 3.9's fromisoformat does not take the "Z" suffix the API writes.
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None


def _counts(items: Any) -> Dict[int, int]:
    return {int(c["birads"]): int(c["count"]) for c in items or []}


@dataclass(frozen=True)
class ModelClass:
    birads: int
    #: The label index the denoiser is conditioned on.
    index: int
    #: Training images of this class.
    train_count: int


@dataclass(frozen=True)
class Model:
    model_id: str
    name: str
    bundle_hash: str
    #: True for the tiny CPU-trained test fixture (its images are not realistic).
    fixture: bool
    height: int
    width: int
    classes: List[ModelClass]
    default_steps: int
    min_steps: int
    max_steps: int
    default_guidance: float
    min_guidance: float
    max_guidance: float

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Model":
        return cls(
            model_id=d["modelId"],
            name=d["name"],
            bundle_hash=d["bundleHash"],
            fixture=bool(d["fixture"]),
            height=d["height"],
            width=d["width"],
            classes=[ModelClass(c["birads"], c["index"], c["trainCount"]) for c in d["classes"]],
            default_steps=d["defaultSteps"],
            min_steps=d["minSteps"],
            max_steps=d["maxSteps"],
            default_guidance=d["defaultGuidance"],
            min_guidance=d["minGuidance"],
            max_guidance=d["maxGuidance"],
        )


@dataclass(frozen=True)
class Quote:
    model_id: str
    size: int
    #: Images per BI-RADS category, exactly as an order would make them.
    counts: Dict[int, int]
    seed: Optional[int]
    #: DDIM or DPM_SOLVER_PP.
    sampler: str
    steps: int
    guidance: float
    shards: int
    quotas: Dict[str, int]
    usage: Dict[str, int]

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Quote":
        return cls(
            model_id=d["modelId"],
            size=d["size"],
            counts=_counts(d["counts"]),
            seed=d.get("seed"),
            sampler=d["sampler"],
            steps=d["steps"],
            guidance=d["guidance"],
            shards=d["shards"],
            quotas=dict(d["quotas"]),
            usage=dict(d["usage"]),
        )


@dataclass(frozen=True)
class Order:
    id: str
    #: QUEUED, RUNNING, COMPLETED, FAILED or CANCELLED.
    status: str
    model_id: str
    size: int
    counts: Dict[int, int]
    seed: int
    #: DDIM or DPM_SOLVER_PP.
    sampler: str
    steps: int
    guidance: float
    certificate_id: str
    idempotency_key: Optional[str]
    failure_reason: Optional[str]
    created_at: Optional[datetime]
    started_at: Optional[datetime]
    finished_at: Optional[datetime]
    #: When the service deletes the cohort's images; None while running, if kept until deleted, or once deleted.
    cohort_expires_at: Optional[datetime] = None
    #: When the cohort's images were deleted; None while they are kept.
    cohort_deleted_at: Optional[datetime] = None
    #: PARTNER_DELETED or EXPIRED; None while the images are kept.
    cohort_deletion_reason: Optional[str] = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Order":
        return cls(
            id=d["id"],
            status=d["status"],
            model_id=d["modelId"],
            size=d["size"],
            counts=_counts(d["counts"]),
            seed=d["seed"],
            sampler=d["sampler"],
            steps=d["steps"],
            guidance=d["guidance"],
            certificate_id=d["certificateId"],
            idempotency_key=d.get("idempotencyKey"),
            failure_reason=d.get("failureReason"),
            created_at=_time(d.get("createdAt")),
            started_at=_time(d.get("startedAt")),
            finished_at=_time(d.get("finishedAt")),
            cohort_expires_at=_time(d.get("cohortExpiresAt")),
            cohort_deleted_at=_time(d.get("cohortDeletedAt")),
            cohort_deletion_reason=d.get("cohortDeletionReason"),
        )


@dataclass(frozen=True)
class ProgressEvent:
    """The state of an order after an event. Every event carries the full counts, so the latest
    event alone tells where the order stands (a SNAPSHOT is sent first, and again after a reconnect)."""

    #: SNAPSHOT, QUEUED, STARTED, IMAGE_DELIVERED, IMAGE_REJECTED, STALLED, COMPLETED, FAILED or CANCELLED.
    type: str
    order_id: str
    status: str
    size: int
    delivered: int
    rejected: int
    delivered_by_class: Dict[int, int]
    certificate_id: Optional[str]
    failure_reason: Optional[str]
    #: The image an IMAGE_DELIVERED / IMAGE_REJECTED event is about.
    index: Optional[int]
    birads: Optional[int]
    nn_distance: Optional[float]
    at: Optional[datetime]

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "ProgressEvent":
        return cls(
            type=d["type"],
            order_id=d["orderId"],
            status=d["status"],
            size=d["size"],
            delivered=d["delivered"],
            rejected=d["rejected"],
            delivered_by_class=_counts(d.get("deliveredByClass")),
            certificate_id=d.get("certificateId"),
            failure_reason=d.get("failureReason"),
            index=d.get("index"),
            birads=d.get("birads"),
            nn_distance=d.get("nnDistance"),
            at=_time(d.get("at")),
        )


@dataclass(frozen=True)
class DownloadLink:
    #: Absolute, or a path on the API's origin (`Client.pull` resolves it against the endpoint).
    url: str
    expires_at: Optional[datetime]


@dataclass(frozen=True)
class PublicKey:
    """A key the API signs certificates with (`Client.certificate_keys()`), current first."""

    key_id: str
    public_key_pem: str
    created_at: Optional[str] = None
    current: bool = False

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "PublicKey":
        return cls(d["keyId"], d["publicKeyPem"], d.get("createdAt"), bool(d.get("current", False)))

    def to_json(self) -> Dict[str, Any]:
        return {"keyId": self.key_id, "publicKeyPem": self.public_key_pem}
