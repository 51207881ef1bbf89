"""The writer: a python3 script (stdlib only) started, detached, on the serving node. It appends
sequence-numbered records to a file on the replicated disk, fsyncs each one (with protocol C, fsync returns
once both disks have it) and only then acknowledges it to the watcher on the other node. After the
takeover, every acknowledged record must be on the new serving node: that is protocol C's promise.
"""

from __future__ import annotations

SCRIPT = r'''
import os, socket, sys, time, zlib
path, host, port, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((host, port), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
seq, end = 0, time.monotonic() + limit
while time.monotonic() < end:
    seq += 1
    os.write(fd, b"%012d %08x\n" % (seq, zlib.crc32(b"%d" % seq)))
    os.fsync(fd)
    s.sendall(b"%d\n" % seq)
'''


def start_argv(path: str, host: str, port: int, limit_s: float) -> tuple[str, ...]:
    """Start the writer detached (setsid): a hard drill kills the node, not the wizard's wait for it."""
    return ("sh", "-c", 'setsid python3 -c "$1" "$2" "$3" "$4" "$5" >/dev/null 2>&1 </dev/null & echo $!',
            "sh", SCRIPT, path, host, str(port), str(limit_s))
