"""A TCP relay between our processes and the PBX whose connections a test can cut.

``drop()`` closes both sides of every open connection, as a PBX restart or a
reset does. ``half_open()`` stops forwarding on them without closing anything,
as a dead link or a silent firewall does: bytes sent are swallowed and nothing
comes back, so a client only notices through its own timeouts (the AMI ping).
New connections are relayed as usual after either. ``upstream`` may be changed
at any time (the PBX restarted on another port); ``taps`` see what clients send.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

Tap = Callable[[bytes], None]


class _Link:
    """One relayed connection: the client's socket, the upstream's, and a pump each way."""

    def __init__(self, client: socket.socket, upstream: socket.socket, tap: Tap | None) -> None:
        self.client, self.upstream = client, upstream
        self.is_frozen = False
        self._tap = tap
        for source, sink, tapped in ((client, upstream, tap), (upstream, client, None)):
            threading.Thread(
                target=self._pump, args=(source, sink, tapped), name="tcp-proxy", daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, tap: Tap | None) -> None:
        with contextlib.suppress(OSError):
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if self.is_frozen:
                    continue  # half-open: swallowed, nothing closed, nothing answered
                if tap is not None:
                    tap(data)
                sink.sendall(data)
        if not self.is_frozen:
            self.close()

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class TcpProxy:
    """Listens on a free loopback port and relays each connection to ``upstream``."""

    def __init__(self, upstream: int, *, tap_factory: Callable[[], Tap] | None = None) -> None:
        self.upstream = upstream
        self._tap_factory = tap_factory
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._links: list[_Link] = []
        self._frozen: list[_Link] = []
        self._lock = threading.Lock()
        self._closed = False
        self.connections = 0
        threading.Thread(target=self._accept, name="tcp-proxy-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()  # the PBX is not there: the client sees a refused link
                continue
            tap = self._tap_factory() if self._tap_factory else None
            with self._lock:
                self._links.append(_Link(client, upstream, tap))
                self.connections += 1

    def _take_links(self) -> list[_Link]:
        with self._lock:
            links, self._links = self._links, []
        return links

    def drop(self) -> int:
        """Close both sides of every open connection; how many there were."""
        links = self._take_links()
        for link in links:
            link.close()
        return len(links)

    def half_open(self) -> int:
        """Stop forwarding on every open connection without closing it; how many there were."""
        links = self._take_links()
        for link in links:
            link.is_frozen = True
        with self._lock:
            self._frozen += links
        return len(links)

    def close(self) -> None:
        """Stop listening and close every connection, the frozen ones included."""
        self._closed = True
        with contextlib.suppress(OSError):
            self._server.close()
        for link in [*self._take_links(), *self._frozen]:
            link.is_frozen = False
            link.close()
