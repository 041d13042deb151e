"""Progress bars on stderr (tqdm: redrawn in a terminal or notebook, plain lines in logs)."""
from __future__ import annotations

import sys
from typing import Any, Optional

from tqdm.auto import tqdm


class Progress:
    """One bar; `enabled=False` makes every call a no-op, so callers need no branches."""

    def __init__(self, label: str, unit: str, enabled: bool) -> None:
        self._bar: Optional["tqdm[Any]"] = None
        self._label = label
        self._unit = unit
        self._enabled = enabled

    def _ensure(self) -> Optional["tqdm[Any]"]:
        if self._enabled and self._bar is None:
            scale = self._unit == "B"
            # Off a terminal (CI logs, pipes) redraw rarely, so that logs stay readable.
            interval = 0.1 if sys.stderr.isatty() else 2.0
            self._bar = tqdm(desc=self._label, unit=self._unit, unit_scale=scale, unit_divisor=1024 if scale else 1000, mininterval=interval)
        return self._bar

    def reset(self, total: int, done: int = 0) -> None:
        bar = self._ensure()
        if bar is not None:
            bar.reset(total=total)
            bar.update(done)

    def update(self, n: int) -> None:
        bar = self._ensure()
        if bar is not None:
            bar.update(n)

    def set(self, done: int, total: int, note: str = "") -> None:
        bar = self._ensure()
        if bar is not None:
            bar.total = total
            bar.n = done
            if note:
                bar.set_postfix_str(note, refresh=False)
            bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
