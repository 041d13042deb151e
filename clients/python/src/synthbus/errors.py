"""Exceptions. API refusals carry the server's `code`, `reason` and `field` so callers can branch
on them without parsing messages; one subclass per GraphQL error code."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence


class SynthBUSError(Exception):
    """Base class of everything this package raises on purpose."""


class TransportError(SynthBUSError):
    """The API could not be reached, or answered with something that is not GraphQL."""


class APIError(SynthBUSError):
    """The API refused an operation.

    `code` is the GraphQL `extensions.code` (e.g. ``BAD_USER_INPUT``), `reason` the exact
    problem (e.g. ``MIX_SUM_NOT_ONE``), `field` the offending input field where there is one
    (e.g. ``input.mix[1].birads``). `errors` holds every error of the response, raw.
    """

    def __init__(
        self,
        message: str,
        code: Optional[str] = None,
        reason: Optional[str] = None,
        field: Optional[str] = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason
        self.field = field
        self.errors: List[Mapping[str, Any]] = list(errors)

    def __str__(self) -> str:
        tags = ", ".join(t for t in (self.code, self.reason, self.field and f"field {self.field}") if t)
        return f"{self.message} ({tags})" if tags else self.message


class AuthenticationError(APIError):
    """UNAUTHENTICATED: no key, an unknown key or a revoked key."""


class PermissionDeniedError(APIError):
    """FORBIDDEN: the key may not do this (scope, account status, agreement, another partner's link)."""


class InvalidInputError(APIError):
    """BAD_USER_INPUT: an argument is wrong; `field` names it."""


class NotFoundError(APIError):
    """NOT_FOUND: no such object for you (another partner's order looks exactly like a missing one)."""


class QuotaExceededError(APIError):
    """QUOTA_EXCEEDED: the order is above one of the partner's quotas."""


class ConflictError(APIError):
    """CONFLICT: the object is in a state that forbids this (e.g. cancelling a finished order)."""


class GoneError(APIError):
    """GONE: the cohort's images were deleted (reason COHORT_DELETED); the order and certificate remain."""


_BY_CODE: Dict[str, type] = {
    "UNAUTHENTICATED": AuthenticationError,
    "FORBIDDEN": PermissionDeniedError,
    "BAD_USER_INPUT": InvalidInputError,
    "NOT_FOUND": NotFoundError,
    "QUOTA_EXCEEDED": QuotaExceededError,
    "CONFLICT": ConflictError,
    "GONE": GoneError,
}


def api_error(errors: Sequence[Mapping[str, Any]]) -> APIError:
    """The exception for a GraphQL `errors` list; its first error decides the class."""
    first = errors[0] if errors else {}
    ext = first.get("extensions") or {}
    code = ext.get("code")
    cls = _BY_CODE.get(code, APIError) if isinstance(code, str) else APIError
    message = "; ".join(str(e.get("message", "")) for e in errors) or "the API reported an error"
    error: APIError = cls(
        message,
        code=code if isinstance(code, str) else None,
        reason=ext.get("reason") if isinstance(ext.get("reason"), str) else None,
        field=ext.get("field") if isinstance(ext.get("field"), str) else None,
        errors=errors,
    )
    return error


class OrderFailedError(SynthBUSError):
    """The order ended FAILED or CANCELLED, so there is nothing to download."""

    def __init__(self, order_id: str, status: str, reason: Optional[str]) -> None:
        super().__init__(f"order {order_id} {status.lower()}" + (f": {reason}" if reason else ""))
        self.order_id = order_id
        self.status = status
        self.reason = reason


class DownloadError(SynthBUSError):
    """The archive could not be downloaded completely; calling again resumes from the bytes on disk."""


class ArchiveError(SynthBUSError):
    """The archive is damaged, truncated, or holds an entry that would land outside the cohort folder."""


class VerificationError(SynthBUSError):
    """The cohort does not verify; `problems` has one sentence per problem, each naming its file."""

    def __init__(self, folder: str, problems: Sequence[str]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the cohort in {folder} does not verify:\n{lines}")
        self.folder = folder
        self.problems = list(problems)
