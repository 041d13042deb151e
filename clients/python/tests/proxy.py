"""A TCP proxy in front of the real server that can break connections on purpose: cut one
response after N bytes (a dropped download) or drop every open connection (a dropped WebSocket).
It forwards bytes untouched; the server on the other side is the real one."""
from __future__ import annotations

import socket
import threading
from typing import List, Optional, Set, Tuple


class FlakyProxy:
    def __init__(self, upstream: Tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        #: One-shot: the next connection whose responses reach this many bytes is cut there.
        self.cut_after: Optional[int] = None
        self.cuts = 0
        #: Every request byte sent upstream, to see which Range headers clients sent.
        self.requests: List[bytes] = []
        self._open: Set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/graphql") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def drop_all(self) -> None:
        with self._lock:
            for s in list(self._open):
                self._kill(s)

    def close(self) -> None:
        self.listener.close()
        self.drop_all()

    def _kill(self, s: socket.socket) -> None:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
        self._open.discard(s)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            up = socket.create_connection(self.upstream)
            with self._lock:
                self._open.update((client, up))
            threading.Thread(target=self._pump, args=(client, up, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, downstream: bool) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not downstream:
                    self.requests.append(data)
                with self._lock:
                    limit = self.cut_after if downstream else None
                    if limit is not None and sent + len(data) >= limit:
                        self.cut_after = None
                        self.cuts += 1
                        dst.sendall(data[: max(0, limit - sent)])
                        self._kill(src)
                        self._kill(dst)
                        return
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        with self._lock:
            self._kill(src)
            self._kill(dst)
