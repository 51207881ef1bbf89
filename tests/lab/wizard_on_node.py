"""Helpers of the lab scenarios that run the *installed* ha-wizard on node1 (tests/lab/test_*_lab.py).

The wizard goes onto node1 the way an admin would put it there: a wheelhouse (the project's wheel plus
every runtime dependency, built on the host) is copied in and installed offline into a venv. Everything
else here drives that installed ``ha-wizard`` over the lab's SSH and reads the nodes' real state back.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shlex
import tarfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from wizard.lab import Lab
from wizard.lab.common import record_timing
from wizard.lab.install import (  # noqa: F401 (the lab modules import these from here)
    GUEST_WHEELHOUSE,
    VENV,
    WIZARD,
    Wheelhouse,
    build_wheelhouse,
    ensure_wizard,
    install_on_node1,
)

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = "/root/lab.toml"
JOURNAL_DIR = "/var/lib/ha-wizard"
JOURNAL = f"{JOURNAL_DIR}/journal.json"
LOG = f"{JOURNAL_DIR}/ha-wizard.log"
RENDERED = "/root/rendered"
NODES = (1, 2)


#: Everything the wizard writes outside its journal, saved once per module and put back before each scenario
#: and at the end, so every scenario (and the other lab modules) starts from the image's own files.
#: Where the units' boot state lives: systemd's own links (enable, mask) and the SysV rc links (update-rc.d).
BOOT_LINKS = ("/etc/systemd/system", *(f"/etc/rc{r}.d" for r in "0123456S"))
SAVED = ("/etc/hosts", "/etc/fstab", "/etc/drbd.conf", "/etc/drbd.d", "/etc/ha.d",
         "/etc/corosync", "/var/lib/pacemaker",  # Pacemaker's pair: corosync.conf, authkey, the CIB
         *BOOT_LINKS)


def restore_saved(paths: tuple[str, ...], tar: str) -> str:
    """Shell: ``paths`` put back from ``tar``, then one daemon-reload if the units' boot links changed. Putting
    the links back is exact and takes a second, where `systemctl disable` of a unit with an init script takes
    ~12 s under emulation (systemd-sysv-install's update-rc.d, then a reload)."""
    links = f"find {' '.join(BOOT_LINKS)} -printf '%p %l %m\\n' 2>/dev/null | sort | md5sum"
    return (f"tar -tf {tar} etc/systemd/system >/dev/null || exit 1; "  # never drop links not saved
            f"before=$({links}); rm -rf {' '.join(paths)} && tar -xpf {tar} -C / || exit 1; "
            f"[ \"$before\" = \"$({links})\" ] || systemctl daemon-reload")
SNAPSHOT = "/root/.before-apply-lab.tar"


def on_both(fn: Callable[[int], T]) -> dict[int, T]:
    """``fn(n)`` for node1 and node2 at the same time (each VM has its own emulated CPU): {n: result}."""
    with ThreadPoolExecutor(max_workers=len(NODES)) as pool:
        futures = {n: pool.submit(fn, n) for n in NODES}
        return {n: f.result() for n, f in futures.items()}


# ------------------------------------------------------------------------------------- running the wizard
def put_answers(lab: Lab, path: str = ANSWERS, **drbd: str) -> str:
    """examples/lab.toml onto node1 (with some [drbd] values replaced, e.g. sync_rate="4M")."""
    text = (ROOT / "examples" / "lab.toml").read_text()
    for key, value in drbd.items():
        text, n = re.subn(rf"^{key} = .*$", f'{key} = "{value}"', text, flags=re.M)
        assert n == 1, f"{key} is not a line of examples/lab.toml"
    lab.ssh(1, f"cat > {shlex.quote(path)}", input=text)
    return path


def run_wizard(lab: Lab, args: str, fingerprint: str, timeout: float = 900) -> tuple[int, str]:
    """Run ``ha-wizard ARGS --accept-host-key FP`` on node1 in the foreground: (exit code, stdout+stderr)."""
    r = lab.ssh(1, f"COLUMNS=160 {WIZARD} {args} --accept-host-key {fingerprint} 2>&1", check=False,
                timeout=timeout)
    return r.returncode, r.stdout


def start_wizard(lab: Lab, args: str, fingerprint: str, log: str) -> int:
    """Start ``ha-wizard ARGS`` on node1 in the background (nohup, output to *log*); return its PID."""
    out = lab.ssh(1, f"COLUMNS=160 nohup {WIZARD} {args} --accept-host-key {fingerprint} > {log} 2>&1 "
                     "< /dev/null & echo $!", timeout=60).stdout
    return int(out.strip())


#: Runs inside node1 (python3 of the guest): waits until step STEP is journaled done and /proc/drbd matches
#: REGEX ("-" = no such condition), polling at 10 Hz, then SIGKILLs the recorded PID of the wizard at once
#: (after checking /proc/PID/cmdline) and prints the DRBD state of that moment. Polling in the guest, not
#: over SSH, so the kill lands within ~0.1 s of the condition.
_KILLER = r"""
import json, os, re, signal, sys, time
pid, step, regex, timeout = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
path = sys.argv[5] if len(sys.argv) > 5 else "-"
def alive():
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False
def drbd():
    try:
        return open("/proc/drbd").read()
    except OSError:
        return ""
def met():
    if path != "-" and not os.path.exists(path):
        return False
    if step != "-":
        try:
            steps = json.load(open("/var/lib/ha-wizard/journal.json")).get("steps", {})
        except (OSError, ValueError):
            return False
        if steps.get(step, {}).get("status") != "done":
            return False
    return regex == "-" or re.search(regex, drbd(), re.S) is not None
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    if not alive():
        print(f"the wizard (pid {pid}) ended before the kill condition"); sys.exit(2)
    if met():
        if b"ha-wizard" not in open(f"/proc/{pid}/cmdline", "rb").read():
            print(f"pid {pid} is not ha-wizard"); sys.exit(4)
        os.kill(pid, signal.SIGKILL)
        state = " ".join(l.strip() for l in drbd().splitlines() if l.strip().startswith(("0:", "[", "finish")))
        end = time.monotonic() + 30
        while alive() and time.monotonic() < end:
            time.sleep(0.05)
        print(f"killed pid {pid} at: {state}"); sys.exit(0 if not alive() else 5)
    time.sleep(0.1)
print(f"the kill condition did not hold within {timeout:.0f} s"); sys.exit(3)
"""


def kill_when(lab: Lab, pid: int, *, step: str = "-", drbd: str = "-", path: str = "-", timeout: float,
              log: str) -> str:
    """SIGKILL node1's wizard *pid* as soon as *step* is journaled done, /proc/drbd matches *drbd* and *path*
    exists on node1; return the DRBD state at that moment. Fails, with the wizard's output, if it ended first
    or timed out."""
    r = lab.ssh(1, ["python3", "-c", _KILLER, str(pid), step, drbd, str(timeout), path], check=False,
                timeout=timeout + 120)
    if r.returncode != 0:
        out = lab.ssh(1, f"tail -40 {log}; cat /proc/drbd", check=False).stdout
        raise AssertionError(f"{r.stdout.strip()} {r.stderr.strip()}\n--- {log} ---\n{out}")
    return r.stdout.strip()


def plan_json(lab: Lab, fingerprint: str, answers: str = ANSWERS) -> dict[str, Any]:
    r = lab.ssh(1, f"{WIZARD} plan --answers {answers} --format json --accept-host-key {fingerprint}",
                check=False, timeout=600)
    assert r.returncode == 0, f"ha-wizard plan failed ({r.returncode}):\n{r.stdout[-2000:]}{r.stderr[-3000:]}"
    plan: dict[str, Any] = json.loads(r.stdout)
    return plan


def confirm_tokens(plan: dict[str, Any]) -> list[str]:
    """The consent the plan always asks for (a destructive command's own token), in plan order.

    A step's ``confirm`` list also holds the tokens of conditional prompts (create-md asks only when the
    disk holds data): those are left out, so a run on blank disks proves it needed none of them.
    """
    tokens: list[str] = []
    for step in plan["steps"]:
        for action in step["actions"]:
            token = action.get("confirm") if action["type"] == "run" else None
            if token and token not in tokens:
                tokens.append(token)
    return tokens


def confirm_args(plan: dict[str, Any]) -> str:
    return " ".join(f"--confirm {shlex.quote(t)}" for t in confirm_tokens(plan))


def summary_line(out: str) -> str:
    """The final ``Done: ...`` sentence of a headless run, re-joined if the console wrapped it."""
    flat = " ".join(out.split())
    i = flat.rfind("Done: ")
    assert i >= 0, f"no summary in the wizard's output:\n{out[-3000:]}"
    return flat[i:]


def not_implemented_in(summary: str) -> set[str]:
    m = re.search(r"not implemented yet: ([^;.]*)", summary)
    return {s.strip() for s in m.group(1).split(",")} if m else set()


def journal(lab: Lab) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(lab.ssh(1, f"cat {JOURNAL}", timeout=60).stdout)
    return data


# ------------------------------------------------------------------------------------------- node state
def drbd_line(lab: Lab, n: int) -> str:
    """The resource line of /proc/drbd (``0: cs:... ro:... ds:...``), or '' when DRBD is not up."""
    out = lab.ssh(n, "cat /proc/drbd 2>/dev/null; true", timeout=60).stdout
    m = re.search(r"^\s*0: (cs:.*)$", out, re.M)
    return m.group(1) if m else ""


def wait_drbd(lab: Lab, n: int, pattern: str, timeout: float) -> str:
    """Poll node *n*'s /proc/drbd until *pattern* matches (bounded); return the full text."""
    deadline = time.monotonic() + timeout
    out = ""
    while True:
        out = lab.ssh(n, "cat /proc/drbd 2>/dev/null; true", timeout=60).stdout
        if re.search(pattern, out):
            return out
        if time.monotonic() > deadline:
            raise AssertionError(f"node{n}: /proc/drbd never matched {pattern!r} in {timeout:.0f} s:\n{out}")
        time.sleep(1)


def mounts(lab: Lab, n: int) -> list[list[str]]:
    return [line.split() for line in lab.ssh(n, "cat /proc/mounts", timeout=60).stdout.splitlines()]


def fetch_tree(lab: Lab, n: int, paths: list[str] | str, cwd: str = "/") -> dict[str, tarfile.TarInfo | bytes]:
    """Files of node *n* (tar through base64): {path: bytes} plus {path + ':info': TarInfo}."""
    args = paths if isinstance(paths, str) else " ".join(shlex.quote(p.lstrip("/")) for p in paths)
    r = lab.ssh(n, f"cd {shlex.quote(cwd)} && tar -cf - {args} | base64 -w0", timeout=120)
    out: dict[str, Any] = {}
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(r.stdout)), mode="r:") as t:
        for m in t.getmembers():
            if m.isfile():
                f = t.extractfile(m)
                assert f is not None
                name = "/" + m.name.removeprefix("./").lstrip("/")
                out[name] = f.read()
                out[name + ":info"] = m
    return out


def tree_digest(lab: Lab, n: int, exclude: tuple[str, ...],
                roots: tuple[str, ...] = ("/etc", "/var/lib")) -> dict[str, str]:
    """{path: 'type mode owner group size mtime target sha256'} for all of *roots* (/etc and /var/lib; one file
    system, *exclude* left out), plus ``/dev/vdb1[0:1MiB]``: what a dry-run must leave exactly as it was."""
    prune = " -o ".join(f"-path {shlex.quote(p)}" for p in exclude)
    where = " ".join(shlex.quote(r) for r in roots)
    find = (f"find {where} -xdev \\( {prune} \\) -prune -o " if exclude else f"find {where} -xdev ")
    script = (
        f"{find}-printf '%p\\t%y %m %u %g %s %T@ %l\\n'; "
        f"{find}-type f -print0 | xargs -0 sha256sum | sed 's/^/#sha /'; "
        "echo \"#vdb1 $(head -c 1048576 /dev/vdb1 | sha256sum | cut -d' ' -f1)\""
    )
    out = lab.ssh(n, script, timeout=300).stdout
    tree: dict[str, str] = {}
    for line in out.splitlines():
        if line.startswith("#sha "):
            digest, path = line[5:].split("  ", 1)
            tree[path] = tree.get(path, "?") + f" sha256={digest}"
        elif line.startswith("#vdb1 "):
            tree["/dev/vdb1[0:1MiB]"] = line[6:]
        elif "\t" in line:
            path, info = line.split("\t", 1)
            tree[path] = info
    return tree


def tree_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    out = [f"gone: {p}" for p in sorted(before.keys() - after.keys())]
    out += [f"new: {p}" for p in sorted(after.keys() - before.keys())]
    out += [f"changed: {p}: {before[p]} -> {after[p]}" for p in sorted(before.keys() & after.keys())
            if before[p] != after[p]]
    return out


# ---------------------------------------------------------------------------------------- clean slates
def snapshot(lab: Lab) -> None:
    """Save the image's own versions of the files the wizard rewrites (once per module, on both nodes)."""
    for n in NODES:
        lab.ssh(n, f"test -f {SNAPSHOT} || tar -cpf {SNAPSHOT} {' '.join(SAVED)} 2>/dev/null; sync; test -f {SNAPSHOT}",
                timeout=60)


# Every folder a services move may have replaced by a link (the lab's recipes: sendmail, apache2, postgresql)
MOVED_PATHS = ("/etc/mail", "/var/mail", "/var/spool/mqueue", "/var/spool/mqueue-client", "/etc/apache2",
               "/var/www", "/etc/postgresql/15/main", "/var/lib/postgresql/15/main", "/usr/sbin/sendmail")
SERVICE_UNITS = "sendmail.service apache2.service postgresql.service"
# Either cluster stack: Pacemaker before Corosync (it needs Corosync to stop its resources cleanly)
STACK_UNITS = "heartbeat.service pacemaker.service corosync.service"
# The image's boot state: Heartbeat, DRBD and the services all off (an apply enables the first two and
# disables, sometimes masks, the services). `systemctl is-enabled` is asked first and only what differs is
# changed, with one daemon-reload: under emulation every disable/unmask costs ~12 s (systemd-sysv-install's
# update-rc.d, then a reload) even when there is nothing to change, and a clean ran 5 of them on each node.
BOOT_OFF = (
    "PATH=$PATH:/usr/sbin:/sbin; masked=; enabled=; "
    f"for u in {STACK_UNITS} drbd.service {SERVICE_UNITS}; do case $(systemctl is-enabled $u 2>/dev/null) in "
    "masked*) masked=\"$masked $u\";; disabled|static|'') ;; *) enabled=\"$enabled $u\";; esac; done; "
    "if [ -n \"$masked\" ]; then systemctl unmask --no-reload $masked || exit 1; fi; "
    "[ -z \"$masked$enabled\" ] && exit 0; systemctl disable --no-reload $masked $enabled >/dev/null 2>&1; "
    "systemctl daemon-reload; "
    "for u in $masked $enabled; do case $(systemctl is-enabled $u 2>/dev/null) in "
    "disabled|static|'') ;; *) echo \"$u is still $(systemctl is-enabled $u) at boot\" >&2; exit 1;; esac; done"
)
# A link of ours with its kept original is replaced by that original again; the helper, the relay and their
# files go.
RESTORE_MOVED = (
    f"for p in {' '.join(MOVED_PATHS)}; do o=$p.ha-wizard-orig; "
    "if [ -L \"$p\" ] && { [ -e \"$o\" ] || [ -L \"$o\" ]; }; then rm -f \"$p\" && mv \"$o\" \"$p\"; fi; "
    "rm -rf \"$o\" \"$p.ha-wizard-copied\"; done; "
    "rm -rf /usr/local/sbin/ha-wizard-services /usr/local/sbin/ha-wizard-relay /etc/ha-wizard"
)


def clean_pair(lab: Lab, *, pids: list[int] | None = None) -> None:
    """Back to a first run: no wizard running, DRBD down, disks blank, no journal, the saved files restored.

    Kills only wizard PIDs this module recorded (verified by /proc/PID/cmdline), never by name.
    """
    if pids:
        lab.ssh(1, f"for p in {' '.join(map(str, pids))}; do grep -q ha-wizard /proc/$p/cmdline 2>/dev/null && "
                   "kill -9 $p; done; true", timeout=60)

    def clean(n: int) -> None:
        t = [time.monotonic()]
        # Heartbeat and DRBD as the image has them: off at boot (an apply enables both), the services stopped
        # Heartbeat first (releasing what it holds), then whatever an apply or a test left running
        lab.ssh(n, f"systemctl stop {STACK_UNITS}; systemctl stop drbd.service {SERVICE_UNITS}; "
                   "ip addr del 10.99.0.100/24 dev eth1 2>/dev/null; true", timeout=180)
        t.append(time.monotonic())
        lab.ssh(n, RESTORE_MOVED, timeout=180)
        t.append(time.monotonic())
        lab.reset_data_disk(n)  # umount /replicated, drbdadm down all, rmmod, wipe + zero /dev/vdb1
        t.append(time.monotonic())
        # the saved files and boot links back, then BOOT_OFF only checks (it changes what is still not off)
        lab.ssh(n, f"rm -rf {JOURNAL_DIR} /var/lib/drbd/ha-wizard-* {RENDERED} /root/.ssh/known_hosts "
                   f"/etc/*.ha-wizard-*.bak; {restore_saved(SAVED, SNAPSHOT)}; "
                   f"rmdir /replicated 2>/dev/null; test ! -e /etc/drbd.d/r0.res || exit 1; {BOOT_OFF}", timeout=180)
        t.append(time.monotonic())
        secs = [round(b - a, 1) for a, b in zip(t, t[1:], strict=False)]
        parts = dict(zip(("stop", "links", "disk", "files_boot"), secs, strict=True))
        record_timing(lab.lab_dir, "clean_pair_node_secs", t[-1] - t[0], node=n, **parts)

    # The standby's stack first: stopped on the node holding the resources while its peer still runs,
    # it would hand them over (a takeover, then a second release) instead of only releasing them.
    on_both(lambda n: lab.ssh(n, "ip -o addr | grep -q 'inet 10.99.0.100/' || "
                                 "systemctl stop heartbeat.service pacemaker.service", check=False, timeout=300))
    on_both(clean)


def lab_tests_follow(request: pytest.FixtureRequest) -> bool:
    """Whether a lab test of another module runs after this module in this session. The session's VMs are
    stopped and their disks dropped at its end, so the last module's putting things back for a next one
    (a minute or two of systemctl and disk work under emulation) would be for nobody."""
    if request.session.shouldstop or request.session.shouldfail:
        return False
    items = request.session.items
    mine = [i for i, item in enumerate(items) if item.path == request.path]
    return any(item.get_closest_marker("lab") for item in items[max(mine, default=len(items)) + 1:])


def restore_and_forget(lab: Lab) -> None:
    """At the end of the module: clean, then drop the snapshot, the wizard and its files from the nodes.

    Only the saved venv tar (``SAVED_VENV``) stays in node1's /root, for a later module's ``wizard_node1``.
    """
    clean_pair(lab)
    for n in NODES:
        lab.ssh(n, f"rm -f {SNAPSHOT} /root/*.toml /root/apply*.log /root/plan.json; "
                   f"rm -rf {VENV} {GUEST_WHEELHOUSE}", check=False, timeout=120)
