"""Downloads a cohort archive into `<target>.part`, resuming a dropped connection with an HTTP Range
request (`If-Range` with the archive's ETag, kept in `<target>.part.etag`), in this call or a
later one, and renames it to `target` once complete. The archive's bytes are fixed by the order,
so a resumed download is byte-identical to an uninterrupted one."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Callable, Optional

import httpx

from .errors import DownloadError, api_error
from .progress import Progress
from .transport import Transport

#: Statuses whose GraphQL-shaped body says why the link or key was refused.
# 410: the cohort was deleted after the link was issued (GoneError names when and why).
REFUSED = (400, 401, 403, 404, 409, 410)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _range_total(header: Optional[str], start: int) -> Optional[int]:
    """The archive's length from `Content-Range: bytes a-b/N`, if the range starts where we asked."""
    m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", header or "")
    return int(m.group(3)) if m and int(m.group(1)) == start else None


def _refusal(res: httpx.Response) -> Exception:
    res.read()
    try:
        errors = res.json().get("errors")
    except ValueError:
        errors = None
    if errors:
        return api_error(errors)
    return DownloadError(f"download refused: HTTP {res.status_code}")


def download_archive(
    transport: Transport,
    new_link: Callable[[], str],
    target: Path,
    progress: Progress,
    max_attempts: int = 5,
) -> int:
    """Downloads to `target`; returns its size. `new_link` asks the API for a fresh link (absolute URL)."""
    part = target.with_name(target.name + ".part")
    etag_file = target.with_name(target.name + ".part.etag")
    url = new_link()
    last_problem = ""
    for attempt in range(1, max_attempts + 1):
        if attempt > 1:
            time.sleep(min(4.0, 0.2 * 2 ** (attempt - 1)))
        etag = etag_file.read_text() if etag_file.exists() else None
        # Without the ETag the bytes on disk cannot be matched to the server's archive: start over.
        have = _size(part) if etag else 0
        headers = transport.headers()
        if have > 0 and etag:
            headers.update({"Range": f"bytes={have}-", "If-Range": etag})
        try:
            with transport.http.stream("GET", url, headers=headers) as res:
                if res.status_code in REFUSED:
                    refusal = _refusal(res)
                    if getattr(refusal, "reason", None) == "LINK_EXPIRED":
                        url = new_link()
                        continue
                    raise refusal
                if res.status_code == 416:
                    # The part file is longer than the archive: it belongs to something else.
                    _remove(etag_file)
                    continue
                if res.status_code == 206:
                    offset = have
                    total = _range_total(res.headers.get("content-range"), have)
                    if total is None:
                        raise DownloadError(f"the server answered a resume from byte {have} with another range ({res.headers.get('content-range')})")
                elif res.status_code == 200:
                    offset = 0
                    total = int(res.headers.get("content-length", "0"))
                    if res.headers.get("etag"):
                        etag_file.write_text(res.headers["etag"])
                    else:
                        _remove(etag_file)
                else:
                    raise DownloadError(f"download failed: the server answered HTTP {res.status_code}")
                progress.reset(total=total, done=offset)
                # Each chunk is written (and flushed) before it is counted: a drop loses nothing received.
                with open(part, "ab" if offset > 0 else "wb") as f:
                    for chunk in res.iter_raw():
                        f.write(chunk)
                        f.flush()
                        progress.update(len(chunk))
        except httpx.HTTPError as e:
            last_problem = f"the connection dropped at byte {_size(part)} ({type(e).__name__}: {e})"
            continue
        size = _size(part)
        if size != total:
            last_problem = f"the download ended at byte {size} of {total}"
            continue
        progress.close()
        os.replace(part, target)
        _remove(etag_file)
        return total
    progress.close()
    raise DownloadError(
        f"the download did not complete after {max_attempts} attempts: {last_problem}; "
        f"call pull again to resume from byte {_size(part)}"
    )


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
