"""The watcher: a python3 script (stdlib only) started, detached, on the node that takes over, before the
event. It survives the death of the serving node and of the wizard's SSH connection; the wizard reads its
result file back afterwards.

Every 50 ms it reads /proc/drbd (the role), /proc/mounts and tries to bind the service address (which
succeeds only once the address is on one of this node's interfaces), so no process is started per sample:
under emulation a process start costs ~0.1 s. It tails the stack's log, timestamping each new line as it
arrives, and runs the services' probes once the address is up. It also receives the writer's
acknowledgements (one TCP connection from the serving node), and pings the serving node: for a power
cut the event is the serving node's last sign of life. All times are this node's monotonic clock.

Each phase is also appended, when first seen, to a progress file (one JSON line) that the wizard polls
once a second over its one SSH connection, to show the phase as it happens; the result file is unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SCRIPT = r'''
import json, os, re, socket, subprocess, sys, threading, time, zlib
cfg = json.loads(sys.argv[1])
now = time.monotonic
t_arm = now()
acks = {"n": 0, "t": None}
seen = {"t": None}
event = {"t": None}
log_lines = []
lock = threading.Lock()
plock = threading.Lock()

def go_event():
    # A drill's own event is the "go" file, touched on this node just before the hand-over starts: its mtime,
    # moved onto the monotonic clock, is the event's time. Not the moment a loop first noticed the file: under
    # load the stack's first log line can be read before that, and would count as before the event.
    with lock:
        if event["t"] is None and cfg.get("go"):
            try:
                age = max(0.0, time.time() - os.stat(cfg["go"]).st_mtime)
            except OSError:
                return None
            event["t"] = max(t_arm, now() - age)
        return event["t"]

def event_now():
    if cfg.get("go"):
        return go_event()
    with lock:
        return seen["t"]

def progress(phase, t):
    # one JSON line per phase as it is first seen, appended (the wizard polls it over its SSH connection);
    # "event" is the event's time as known at that moment: the "go" file, or the serving node's last sign
    # of life (stable once it is dead), so the wizard shows seconds after the event at once
    if not cfg.get("progress"):
        return
    ev = event_now()
    if ev is None or t < ev - 0.5:
        return
    with plock, open(cfg["progress"], "a") as f:
        f.write(json.dumps({"phase": phase, "t": max(t, ev), "event": ev}) + "\n")

def save(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
        f.flush(); os.fsync(f.fileno())
    os.replace(tmp, path)

# The log is opened at its end before the state file says the watcher is ready: a line written right after
# arming (a graceful hand-over starts at once) must not fall before the tail thread's first look.
try:
    logf = open(cfg["log"], errors="replace")
    logf.seek(0, 2)
except OSError:
    logf = None

srv = socket.socket(socket.AF_INET6 if ":" in cfg["listen"] else socket.AF_INET)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((cfg["listen"], 0)); srv.listen(1)
save(cfg["state"], {"port": srv.getsockname()[1], "pid": os.getpid()})

def ack_server():
    while True:
        conn, _ = srv.accept()
        save(cfg["state"], {"port": srv.getsockname()[1], "pid": os.getpid(), "writer": True})
        buf = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                break
            if not data:
                break
            buf += data
            *done, buf = buf.split(b"\n")
            if done:
                with lock:
                    acks["n"] = max(acks["n"], int(done[-1])); acks["t"] = now(); seen["t"] = now()

def pinger():
    try:
        p = subprocess.Popen(["ping", "-n", "-i", "0.2", "-W", "1", cfg["peer"]], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    except OSError:
        return
    for line in p.stdout:
        if "bytes from" in line:
            with lock:
                seen["t"] = now()

def tail():
    f = logf
    while f is None and cfg.get("log"):  # no log yet: every line of the one created after arming is new
        time.sleep(0.2)
        try:
            f = open(cfg["log"], errors="replace")
        except OSError:
            pass
    if f is None:
        return
    part = ""
    detected = False
    while True:
        chunk = f.read()
        if chunk:
            part += chunk
            *lines, part = part.split("\n")
            t = now()
            with lock:
                log_lines.extend((t, ln) for ln in lines if ln.strip())
            if not detected and cfg.get("detect") and any(re.search(cfg["detect"], ln) for ln in lines):
                ev = event_now()
                if ev is not None and t >= ev - 0.5:
                    detected = True
                    progress("detection", t)
        else:
            time.sleep(0.05)

for fn in (ack_server, pinger, tail):
    threading.Thread(target=fn, daemon=True).start()

def role():
    if cfg["family"] == "9":
        r = subprocess.run(["drbdsetup", "role", cfg["resource"]], capture_output=True, text=True)
        return r.stdout.strip()
    try:
        text = open("/proc/drbd").read()
    except OSError:
        return ""
    m = re.search(r"^\s*%d: cs:(\S+) ro:(\w+)/" % cfg["minor"], text, re.M)
    return m.group(2) if m else ""

def mounted():
    for line in open("/proc/mounts"):
        f = line.split()
        if len(f) > 1 and f[1] == cfg["mount_point"] and f[0] == cfg["device"]:
            return True
    return False

def vip_here():
    s = socket.socket(socket.AF_INET6 if ":" in cfg["vip"] else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((cfg["vip"], 0)); return True
    except OSError:
        return False
    finally:
        s.close()

first = {}
tries = {name: [] for name, *_ in cfg["services"]}
ok_svc = {}
t_event = None
deadline = t_arm + cfg["timeout"]
while now() < deadline:
    if t_event is None and cfg.get("go"):
        t_event = go_event()
    for name, test in (("promote", lambda: role() == "Primary"), ("mount", mounted), ("ip", vip_here)):
        if name not in first and test():
            first[name] = now()
            progress(name, first[name])
    if "ip" in first:
        for name, argv, until, args in cfg["services"]:
            if name in ok_svc:
                continue
            t0 = now()
            try:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=5)
                rc, out = r.returncode, r.stdout[-2000:]
            except (OSError, subprocess.TimeoutExpired) as e:
                rc, out = 124, str(e)
            tries[name].append([t0, rc, out])
            good = rc == 0 and (until != "output-contains" or (args and args[0] in out))
            if good and until in ("exit-zero", "output-contains"):
                ok_svc[name] = t0
            elif good and len([t for t in tries[name] if t[1] == 0]) >= 3:
                ok_svc[name] = t0  # another condition: the wizard decides from the recorded tries
            if name in ok_svc:
                progress("service:" + name, t0)
    if len(first) == 3 and len(ok_svc) == len(cfg["services"]):
        break
    time.sleep(0.05)

records = None
if cfg.get("records") and "mount" in first:
    present = set()
    try:
        with open(cfg["records"], "rb") as f:
            for line in f:
                m = re.match(rb"^(\d{12}) ([0-9a-f]{8})\n$", line)
                if m and int(m.group(2), 16) == zlib.crc32(b"%d" % int(m.group(1))):
                    present.add(int(m.group(1)))
    except OSError as e:
        records = {"error": str(e)}
    if records is None:
        with lock:
            n = acks["n"]
        missing = [s for s in range(1, n + 1) if s not in present]
        records = {"acked": n, "present": len(present), "missing": missing[:50], "missing_count": len(missing)}

with lock:
    result = {"armed": t_arm, "event_go": t_event, "last_seen": seen["t"], "last_ack": acks["t"],
              "acks": acks["n"], "first": first, "services": tries, "service_ok": ok_svc,
              "log": log_lines[-400:], "records": records, "done": now(), "timed_out": now() >= deadline,
              "wall_armed": time.time() - (now() - t_arm)}
save(cfg["out"], result)
'''


@dataclass(frozen=True)
class ServiceProbe:
    name: str
    argv: tuple[str, ...]
    until: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class WatcherConfig:
    out: str  # result file (JSON), on the watching node
    state: str  # written once listening: {"port": ..., "pid": ...}
    listen: str  # the watching node's replication address: the writer's acknowledgements arrive there
    peer: str  # the serving node's address: pinged, for its last sign of life
    log: str
    minor: int
    device: str
    mount_point: str
    vip: str
    family: str
    resource: str
    timeout: float
    go: str = ""  # graceful: the event is the moment this file appears
    progress: str = ""  # each phase appended as one JSON line when first seen (read live by the wizard)
    detect: str = ""  # the stack's log line that shows it noticed the event (a regex): the detection phase
    records: str = ""  # the writer's records file, as seen on this node once mounted
    services: tuple[ServiceProbe, ...] = field(default=())

    def to_json(self) -> str:
        d: dict[str, Any] = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "services"}
        d["services"] = [[s.name, list(s.argv), s.until, list(s.args)] for s in self.services]
        return json.dumps(d)


def start_argv(cfg: WatcherConfig, log: str) -> tuple[str, ...]:
    """Start the watcher detached from the caller's session (setsid), so a dropped SSH connection or the
    wizard's death leaves it running; it ends by itself after ``cfg.timeout``."""
    return ("sh", "-c", 'mkdir -p "${3%/*}" && setsid python3 -c "$1" "$2" >"$3" 2>&1 </dev/null & echo $!',
            "sh", SCRIPT, cfg.to_json(), log)
