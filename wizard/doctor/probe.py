"""Everything doctor reads from one node, in ONE round trip, read-only.

The script runs ``wizard.nodes.gather``'s own fact script first (host name, addresses, mounts, packages, DRBD
versions), nested as ``sh -c "$1"``, then reads the DRBD and Heartbeat files, asks drbdadm to parse the
config and to say what ``adjust`` would change (``-d``: print, do nothing), greps the kernel log, and asks
systemd about the units. Every part is a section between gather's markers, with its exit code; the pure
``snapshot_from_text`` turns the output into a ``NodeSnapshot``. Nothing here writes: every command is a
read or a dry run, and it goes through ``Executor.probe`` of a dry-run executor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wizard.errors import UnreachableError
from wizard.executors.base import Executor
from wizard.nodes import gather
from wizard.nodes.facts import NodeFacts, unreached
from wizard.nodes.gather import Section

_SAFE = re.compile(r"^[A-Za-z0-9/._@+-]+$")

# $1: gather's script, $2 packages, $3 devices (for it); $4 service paths, $5 service units, $6 mount points.
# All lists space separated and checked against _SAFE in Python: no shell syntax reaches the script.
SCRIPT = r"""
export LC_ALL=C PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
sh -c "$1" sh "$2" "$3"
M=@@ha-wizard-fact T=
command -v timeout >/dev/null 2>&1 && T="timeout 20"
run() { n=$1; shift; printf '\n%s begin %s\n' "$M" "$n"; $T "$@" 2>&1; r=$?
        printf '\n%s end %s %s\n' "$M" "$n" "$r"; }
HR=/etc/ha.d/haresources
for f in /etc/drbd.conf /etc/drbd.d/* /etc/ha.d/ha.cf $HR /etc/ha.d/authkeys /etc/fstab; do
  [ -f "$f" ] || continue
  run "file $f" cat -- "$f"
  run "mode $f" stat -c %a -- "$f"
done
if [ ! -e /proc/drbd ]; then   # drbdadm picks its parser by the loaded module; without one, by the module on disk
  v=$(modinfo -F version drbd 2>/dev/null | head -n 1); [ -n "$v" ] && export DRBD_DRIVER_VERSION_OVERRIDE=$v
fi
if [ -f /etc/drbd.conf ]; then
  run drbdadm-parse sh -c 'drbdadm dump all 2>&1 >/dev/null'
  [ -e /proc/drbd ] && run drbdadm-adjust drbdadm -d adjust all
fi
case "$(head -n 1 /proc/drbd 2>/dev/null)" in
  "version: 9"*) run drbdsetup-status drbdsetup status --json;;
esac
if grep -qE 'cs:(SyncSource|SyncTarget|PausedSync)' /proc/drbd 2>/dev/null; then
  sleep 3; run procdrbd-later cat /proc/drbd    # a second look: is the resync moving?
fi
run kernel-log sh -c '{ dmesg 2>/dev/null || journalctl -k -q --no-pager 2>/dev/null; } | grep -i drbd | tail -n 200'
RES=$(sed -e 's/#.*//' $HR 2>/dev/null | awk '{ for (i = 2; i <= NF; i++) print $i }' | sed 's/::.*//' |
      grep -E '^[A-Za-z0-9._-]+$' | sort -u)
for r in $RES; do
  run "script $r" sh -c 'for d in /etc/ha.d/resource.d /etc/init.d; do [ -x "$d/$1" ] && echo "$d/$1"; done
                        exit 0' sh "$r"
done
for u in drbd heartbeat $RES $5; do
  if command -v systemctl >/dev/null 2>&1; then
    run "enabled $u" systemctl is-enabled "$u"; run "active $u" systemctl is-active "$u"
  else
    run "enabled $u" sh -c 'ls /etc/rc[2345].d/S*"$1" >/dev/null 2>&1 && echo enabled ||
                            { echo disabled; exit 1; }' sh "$u"
    run "active $u" sh -c '/etc/init.d/"$1" status >/dev/null 2>&1 && echo active ||
                           { echo inactive; exit 3; }' sh "$u"
  fi
done
if [ "$(systemctl is-active heartbeat 2>/dev/null)" = active ] || pidof heartbeat >/dev/null 2>&1; then
  run heartbeat-resources cl_status rscstatus
fi
for p in $4; do
  run "path $p" sh -c 'if [ -L "$1" ]; then echo "link $(readlink -- "$1")"; elif [ -d "$1" ]; then echo dir
    elif [ -e "$1" ]; then echo file; else echo missing; fi
    for x in "$1".*; do [ -e "$x" ] || [ -L "$x" ] && echo "leftover $x"; done; exit 0' sh "$p"
done
MNT=$( { grep -o 'Filesystem::[^[:space:]]*' $HR 2>/dev/null | awk -F'::' '{ print $3 }'
         sed -e 's/#.*//' /etc/fstab 2>/dev/null | awk '$1 ~ /^\/dev\/drbd/ { print $2 }'; echo $6; } |
       tr ' ' '\n' | grep -E '^/[A-Za-z0-9/._-]*$' | sort -u)
for m in $MNT; do
  run "under $m" sh -c 'if mountpoint -q "$1"; then echo "@mounted"; else ls -A -- "$1" | head -n 50; fi' sh "$m"
done
run link-speeds sh -c 'for i in /sys/class/net/*; do echo "${i##*/} $(cat "$i/speed" 2>/dev/null || echo ?)"; done'
run ifconfig sh -c 'command -v ifconfig'
exit 0
"""


@dataclass(frozen=True)
class PathState:
    """A service path on a node: a symlink (and where to), a real directory or file, or missing."""

    kind: str  # link | dir | file | missing
    target: str = ""
    leftovers: tuple[str, ...] = ()  # PATH.* beside it (PATH.orig, PATH.ha-wizard-orig ...)


@dataclass(frozen=True)
class NodeSnapshot:
    """One node as doctor saw it. ``facts`` come from nodes.gather; the rest are doctor's own sections."""

    facts: NodeFacts
    label: str = ""  # how it was reached: "this machine", "root@10.99.0.2"
    files: Mapping[str, str] = field(default_factory=dict)  # path -> content (secrets inside: never print)
    modes: Mapping[str, int] = field(default_factory=dict)
    out: Mapping[str, Section] = field(default_factory=dict)  # doctor's command outputs by section name
    paths: Mapping[str, PathState] = field(default_factory=dict)

    @property
    def reached(self) -> bool:
        return self.facts.reached

    @property
    def name(self) -> str:
        """The node's own name (`uname -n`), the name DRBD and Heartbeat know it by."""
        return self.facts.hostname or self.facts.node

    def section(self, name: str) -> Section | None:
        return self.out.get(name)

    def unit(self, kind: str, unit: str) -> str | None:
        """``systemctl is-enabled`` / ``is-active`` answer ("enabled", "active", "masked" ...), None if unasked."""
        s = self.out.get(f"{kind} {unit}")
        word = (s.out.strip().splitlines() or [""])[-1].strip() if s is not None else ""
        # a state is one word ("enabled", "masked", "inactive"); anything else is systemctl failing to answer
        return word if re.fullmatch(r"[a-z][a-z-]*", word) else None

    def script_paths(self, resource: str) -> tuple[str, ...] | None:
        s = self.out.get(f"script {resource}")
        return tuple(s.out.split()) if s is not None else None

    def under_mount(self, mount_point: str) -> tuple[str, ...] | None:
        """What lies in the mount point's directory while nothing is mounted there (None: mounted or unread)."""
        s = self.out.get(f"under {mount_point}")
        if s is None or s.out.strip() == "@mounted":
            return None
        return tuple(s.out.split("\n")) if s.out.strip() and s.ok else ()

    def link_speed_mbit(self, iface: str) -> int | None:
        s = self.out.get("link-speeds")
        for line in (s.out.splitlines() if s is not None else []):
            name, _, value = line.partition(" ")
            if name == iface:
                return int(value) if value.strip().lstrip("-").isdigit() and int(value) > 0 else None
        return None


def _path_state(text: str) -> PathState:
    lines = text.splitlines()
    head = lines[0] if lines else "missing"
    kind, _, target = head.partition(" ")
    leftovers = tuple(ln.split(" ", 1)[1] for ln in lines[1:] if ln.startswith("leftover "))
    return PathState(kind if kind in ("link", "dir", "file") else "missing", target, leftovers)


def snapshot_from_text(node: str, text: str, packages: Sequence[str], label: str = "") -> NodeSnapshot:
    """Pure: the script's whole output -> NodeSnapshot (unit tests feed it captured text)."""
    sections = gather.split_sections(text)
    facts = gather.facts_from_sections(node, sections, packages)
    files: dict[str, str] = {}
    modes: dict[str, int] = {}
    paths: dict[str, PathState] = {}
    out: dict[str, Section] = {}
    for name, sec in sections.items():
        kind, _, arg = name.partition(" ")
        if kind == "file" and sec.ok:
            files[arg] = sec.out
        elif kind == "mode" and sec.ok and sec.out.strip().isdigit():
            modes[arg] = int(sec.out.strip(), 8)
        elif kind == "path":
            paths[arg] = _path_state(sec.out)
        else:
            out[name] = sec
    return NodeSnapshot(facts, label, files, modes, out, paths)


def _words(values: Sequence[str], what: str) -> str:
    bad = [v for v in values if not _SAFE.match(v)]
    if bad:
        raise ValueError(f"not a {what}: {bad}")
    return " ".join(dict.fromkeys(values))


def read_node(ex: Executor, *, packages: Sequence[str] = (), paths: Sequence[str] = (),
              units: Sequence[str] = (), mount_points: Sequence[str] = ()) -> NodeSnapshot:
    """One node, one round trip. ``paths``/``units``: the known services' paths and units to look at
    besides the ones haresources names; ``mount_points`` besides haresources' and fstab's."""
    label = ex.label
    if not getattr(ex, "reachable", True):
        return NodeSnapshot(unreached(ex.node, getattr(ex, "why_offline", "") or "not contacted"), label)
    pkgs = list(dict.fromkeys([*gather.BASE_PACKAGES, *packages]))
    argv = ["sh", "-c", SCRIPT, "sh", gather.SCRIPT, _words(pkgs, "package name"), "",
            _words(paths, "path"), _words(units, "unit name"), _words(mount_points, "mount point")]
    try:
        r = ex.probe(argv, timeout=240)
    except UnreachableError as e:
        return NodeSnapshot(unreached(ex.node, str(e)), label)
    if gather.MARK not in r.out:
        why = (r.err.strip().splitlines() or [f"the probe failed (exit {r.rc})"])[-1]
        return NodeSnapshot(unreached(ex.node, why), label)
    return snapshot_from_text(ex.node, r.out, pkgs, label)
