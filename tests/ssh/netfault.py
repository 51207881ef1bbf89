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
        self._pairs: list[_Pair] = []
        self._lock = threading.Lock()
        self._closed = False
        self.uploaded = 0  # bytes forwarded client -> server, for the test to see a transfer went on
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

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
            pair = _Pair(client, upstream)
            with self._lock:
                self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, upstream, client, False), daemon=True).start()

    def _pump(self, pair: _Pair, src: socket.socket, dst: socket.socket, upload: bool) -> None:
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
            pair.pump_ended()

    def drop(self) -> None:
        """Every open connection is cut, at once, in both directions."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            pair.shut()

    def close(self) -> None:
        # wake the accept() first and let its thread end before the descriptor is freed: a later proxy
        # reusing that descriptor number would otherwise have its connections taken by this old thread
        self._closed = True
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._acceptor.join(timeout=10)
        self._server.close()
        self.drop()


class _Pair:
    """Two sockets and their two pumps. A cut only shuts the sockets down (which wakes both pumps); the
    last pump to end closes them: a socket closed under a pump still reading it would free its descriptor
    for the next connection, and the old pump would then read that connection's bytes."""

    def __init__(self, a: socket.socket, b: socket.socket) -> None:
        self.socks = (a, b)
        self._ended = 0
        self._lock = threading.Lock()

    def shut(self) -> None:
        for s in self.socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def pump_ended(self) -> None:
        self.shut()
        with self._lock:
            self._ended += 1
            last = self._ended == 2
        if last:
            for s in self.socks:
                s.close()
