"""Service conditions for waits and checks: paths linked (or local again), nothing holding them open, the unit
off at boot, the packages matching, the link under the mount point, the service answering.

Each reads the output of a read-only probe built here (so the probes and their parsers sit side by side);
``wizard.flow.registry`` puts the table into the engine's registry.
"""

from __future__ import annotations

from wizard.core.conditions import Condition, Verdict, collector
from wizard.executors.base import Result

CONDITIONS: dict[str, Condition] = {}
condition = collector(CONDITIONS)

# For each PATH TARGET pair: PATH, what it is (link, dir, file, missing), where a link leads, and whether
# that target exists ("-" when not a link). Read-only; runs in dry-run too.
PATHS_PROBE = r"""
while [ $# -ge 2 ]; do
  p=$1 t=$2; shift 2
  if [ -L "$p" ]; then l=$(readlink -- "$p"); if [ -e "$l" ]; then e=yes; else e=no; fi
    printf '%s\tlink\t%s\t%s\n' "$p" "$l" "$e"
  elif [ -d "$p" ]; then printf '%s\tdir\t-\t-\n' "$p"
  elif [ -e "$p" ]; then printf '%s\tfile\t-\t-\n' "$p"
  else printf '%s\tmissing\t-\t-\n' "$p"; fi
done
"""

# Every open file and working directory of every process, then each process's name. Read-only.
OPEN_FILES_PROBE = ("sh", "-c", "find /proc/[0-9]*/cwd /proc/[0-9]*/fd/ -maxdepth 1 -type l -printf '%p\\t%l\\n' "
                                "2>/dev/null; echo @@comm; grep -H . /proc/[0-9]*/comm 2>/dev/null; exit 0")

# What MOUNT/PATH is under the mount point: with the disk mounted, looked at from a private mount namespace
# where it is unmounted (nobody else sees that), so nothing changes on the node.
UNDER_PROBE = r"""
m=$1 p=$2
if mountpoint -q -- "$m"; then
  exec unshare --mount --propagation private -- \
    sh -c 'umount -- "$1" 2>/dev/null || umount -l -- "$1"; readlink -- "$1$2"' sh "$m" "$p"
fi
readlink -- "$m$p"
"""


def paths_probe(pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    return ("sh", "-c", PATHS_PROBE, "sh", *(x for pair in pairs for x in pair))


def under_probe(mount: str, path: str) -> tuple[str, ...]:
    return ("sh", "-c", UNDER_PROBE, "sh", mount, path)


def packages_probe(packages: tuple[str, ...]) -> tuple[str, ...]:
    return ("dpkg-query", "-W", "-f", "${Package}\\t${db:Status-Status}\\t${Version}\\n", *packages)


def _rows(out: str) -> list[list[str]]:
    return [ln.split("\t") for ln in out.splitlines() if ln.count("\t") == 3]


@condition("services-linked")
def services_linked(r: Result, need: str, *pairs: str) -> Verdict:
    """Probe: ``paths_probe``. Every PATH links to its TARGET; with ``need`` = "target" the targets must
    exist too (the master, disk mounted), with "link" they may dangle (the node without the disk)."""
    want = dict(zip(pairs[::2], pairs[1::2], strict=True))
    rows = {row[0]: row for row in _rows(r.out)}
    wrong: list[str] = []
    for path, target in want.items():
        row = rows.get(path)
        if row is None:
            wrong.append(f"{path} unreadable")
        elif row[1] != "link":
            wrong.append(f"{path} is a {'missing path' if row[1] == 'missing' else row[1]}")
        elif row[2] != target:
            wrong.append(f"{path} -> {row[2]}")
        elif need == "target" and row[3] != "yes":
            wrong.append(f"{target} missing")
    if wrong:
        return Verdict(False, state=f"{len(want) - len(wrong)} of {len(want)} linked; " + "; ".join(wrong)[:160])
    return Verdict(True, state=f"{len(want)} linked" + (" (targets on the mounted disk)" if need == "target" else ""))


@condition("services-local")
def services_local(r: Result, need: str, *pairs: str) -> Verdict:
    """Probe: ``paths_probe``. No PATH links to its TARGET any more (undo done): each is a local folder or file
    again, or a link of its own (/usr/sbin/sendmail -> /etc/alternatives/sendmail). With ``need`` = "exists"
    each must be there (the master); with "any" a path that did not exist before the move may be gone."""
    rows = {row[0]: row for row in _rows(r.out)}
    wrong: list[str] = []
    for path, target in zip(pairs[::2], pairs[1::2], strict=True):
        kind, points_to = rows.get(path, [path, "missing", "-", "-"])[1:3]
        if kind == "link" and points_to == target:
            wrong.append(f"{path} -> {target}")
        elif kind == "missing" and need == "exists":
            wrong.append(f"{path} missing")
    if wrong:
        return Verdict(False, state="not back yet: " + "; ".join(wrong)[:160])
    return Verdict(True, state=f"{len(pairs) // 2} back on the local disk")


def holders(out: str, paths: tuple[str, ...]) -> list[str]:
    """'sendmail (pid 812): /var/spool/mqueue/qfX' for every process holding a file under ``paths``."""
    listing, _, comms = out.partition("@@comm")
    names: dict[str, str] = {}
    for ln in comms.splitlines():
        head, _, name = ln.partition(":")
        pid = head.split("/")[2] if head.count("/") >= 3 else ""
        names[pid] = name.strip()
    found: list[str] = []
    for ln in listing.splitlines():
        where, _, target = ln.partition("\t")
        if any(target == p or target.startswith(p + "/") for p in paths):
            pid = where.split("/")[2] if where.count("/") >= 3 else "?"
            entry = f"{names.get(pid, '?')} (pid {pid}): {target}"
            if entry not in found:
                found.append(entry)
    return found


@condition("services-unused")
def services_unused(r: Result, *paths: str) -> Verdict:
    """Probe: ``OPEN_FILES_PROBE``. No process has a file (or its working directory) under the paths."""
    busy = holders(r.out, paths)
    if busy:
        return Verdict(False, state=f"{len(busy)} still open: " + "; ".join(busy[:3])[:200])
    return Verdict(True, state="no process holds a file in " + ", ".join(paths)[:120])


@condition("unit-boot-off")
def unit_boot_off(r: Result, want: str = "") -> Verdict:
    """Probe: ``systemctl is-enabled UNIT``. Off at boot: disabled or masked; with ``want`` "mask" masked only,
    with "disabled" disabled only (Pacemaker's systemd class cannot start a masked unit)."""
    state = (r.out.strip().splitlines() or ["unknown"])[0]
    ok = state == "masked" if want == "mask" else state == "disabled" if want == "disabled" else \
        state in ("disabled", "masked")
    return Verdict(ok, state=f"at boot: {state}")


@condition("unit-boot-state")
def unit_boot_state(r: Result, want: str) -> Verdict:
    """Probe: ``systemctl is-enabled UNIT``. The unit's boot setting is ``want`` again (undo)."""
    state = (r.out.strip().splitlines() or ["unknown"])[0]
    return Verdict(state == want, state=f"at boot: {state}")


@condition("packages-match")
def packages_match(r: Result, *wanted: str) -> Verdict:
    """Probe: ``packages_probe``. Args "name=version" (version "" = any): each installed at that version.
    A missing or different package is fatal: waiting cannot fix it."""
    have: dict[str, str] = {}
    for ln in r.out.splitlines():
        parts = ln.split("\t")
        if len(parts) == 3 and parts[1] == "installed":
            have[parts[0]] = parts[2]
    problems = []
    for w in wanted:
        name, _, version = w.partition("=")
        if name not in have:
            problems.append(f"{name} is not installed here")
        elif version and have[name] != version:
            problems.append(f"{name} {have[name]} here but {version} on the other node")
    if problems:
        return Verdict(False, state="; ".join(problems),
                       fatal="; ".join(problems) + ": install the same version on both nodes (apt-get install "
                             "PACKAGE=VERSION), then run ha-wizard again")
    return Verdict(True, state=", ".join(f"{n} {have[n]}" for n in (w.partition("=")[0] for w in wanted)))


@condition("under-mount-link")
def under_mount_link(r: Result, target: str) -> Verdict:
    """Probe: ``under_probe``. The path under the mount point links to ``target``."""
    got = r.out.strip()
    return Verdict(r.rc == 0 and got == target, state=f"under the mount point: -> {got or 'nothing'}")


@condition("service-answers")
def service_answers(r: Result, what: str) -> Verdict:
    """Probe: ``wizard.services.health.health_probe``. Exit 0 means the service answered."""
    if r.rc == 0:
        return Verdict(True, state=f"answers: {what}")
    why = (r.err.strip().splitlines() or r.out.strip().splitlines() or [f"exit {r.rc}"])[-1]
    return Verdict(False, state=f"no answer yet ({what}): {why}"[:160])


@condition("unix-listening")
def unix_listening(r: Result, path: str) -> Verdict:
    """Probe: ``ss -xl``. Some process listens on the unix socket ``path``."""
    ok = r.rc == 0 and any(path in ln.split() for ln in r.out.splitlines())
    return Verdict(ok, state=f"{'a process listens on' if ok else 'nothing listens on'} {path}")
