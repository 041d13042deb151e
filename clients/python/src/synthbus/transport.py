"""GraphQL over HTTP: one POST per operation, errors turned into exceptions."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import httpx

from .errors import TransportError, api_error


class Transport:
    """Holds the endpoint, the key and one pooled HTTP connection for every request of a Client."""

    def __init__(self, url: str, api_key: Optional[str], timeout: float) -> None:
        self.url = url
        self.api_key = api_key
        self.http = httpx.Client(timeout=timeout)

    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def resolve(self, url: str) -> str:
        """A URL the API returned, possibly origin-relative (a download link), made absolute."""
        return str(httpx.URL(self.url).join(url))

    def execute(self, query: str, variables: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        try:
            res = self.http.post(
                self.url,
                json={"query": query, "variables": dict(variables or {})},
                headers=self.headers(),
            )
        except httpx.HTTPError as e:
            raise TransportError(f"cannot reach the SynthBUS API at {self.url}: {e}") from e
        try:
            body = res.json()
        except ValueError:
            raise TransportError(f"the API at {self.url} answered HTTP {res.status_code} without a GraphQL response") from None
        if not isinstance(body, dict):
            raise TransportError(f"the API at {self.url} answered HTTP {res.status_code} with JSON that is not a GraphQL response")
        errors = body.get("errors")
        if errors:
            raise api_error(errors)
        data = body.get("data")
        if not isinstance(data, dict):
            raise TransportError(f"the API at {self.url} answered HTTP {res.status_code} with no data")
        return data

    def close(self) -> None:
        self.http.close()
