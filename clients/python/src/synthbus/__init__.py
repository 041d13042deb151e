"""SynthBUS Python client: order synthetic breast-ultrasound cohorts, follow them, pull them
(resumable download, unpack, independent verification) and load them into PyTorch or HuggingFace.

    from synthbus import Client
    with Client("http://127.0.0.1:4000/graphql") as client:     # key from $SYNTHBUS_API_KEY
        order = client.order(mix={3: 0.5, 4: 0.5}, size=8, idempotency_key="study-7")
        cohort = client.pull(order.id, "cohort/")
    print(cohort.certificate.summary())
"""
from .certificate import Certificate, CertificateFormatError
from .client import Client
from .cohort import Cohort
from .errors import (
    APIError,
    ArchiveError,
    AuthenticationError,
    ConflictError,
    DownloadError,
    GoneError,
    InvalidInputError,
    NotFoundError,
    OrderFailedError,
    PermissionDeniedError,
    QuotaExceededError,
    SynthBUSError,
    TransportError,
    VerificationError,
)
from .objects import DownloadLink, Model, ModelClass, Order, ProgressEvent, PublicKey, Quote
from .records import Record
from .verify import VerifyReport, read_keys_file, verify_cohort

__all__ = [
    "APIError",
    "ArchiveError",
    "AuthenticationError",
    "Certificate",
    "CertificateFormatError",
    "Client",
    "Cohort",
    "ConflictError",
    "DownloadError",
    "DownloadLink",
    "GoneError",
    "InvalidInputError",
    "Model",
    "ModelClass",
    "NotFoundError",
    "Order",
    "OrderFailedError",
    "PermissionDeniedError",
    "ProgressEvent",
    "PublicKey",
    "QuotaExceededError",
    "Quote",
    "Record",
    "SynthBUSError",
    "TransportError",
    "VerificationError",
    "VerifyReport",
    "read_keys_file",
    "verify_cohort",
]
