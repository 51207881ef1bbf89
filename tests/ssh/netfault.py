"""A TCP proxy on 127.0.0.1 between the wizard and the peer's sshd, to break the network on cue.

``drop()`` cuts every open connection at once (both sockets shut down, as a link going away), while new
connections still pass, so a later ``resume`` gets through. ``rate`` (bytes per second, client to server)
slows uploads down so that a file transfer is still under way when the test cuts it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class Proxy:
    def __init__(self, upstream_port: int, *, rate: float | None = None) -> None:
        self.upstream_port = upstream_port
        self.rate = rate
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = False
        self.uploaded = 0  # bytes forwarded client -> server, for the test to see a transfer went on
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
            except OSError:
                client.close()  # the sshd is down: as a refused connection
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upload: bool) -> None:
        chunk = 16384 if upload and self.rate else 65536
        try:
            while True:
                data = src.recv(chunk)
                if not data:
                    break
                dst.sendall(data)
                if upload:
                    self.uploaded += len(data)
                    if self.rate:
                        time.sleep(len(data) / self.rate)
        except OSError:
            pass
        finally:
            _cut(src, dst)

    def drop(self) -> None:
        """Every open connection is cut, at once, in both directions."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            _cut(a, b)

    def close(self) -> None:
        self._closed = True
        self._server.close()
        self.drop()


def _cut(*socks: socket.socket) -> None:
    for s in socks:
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()
