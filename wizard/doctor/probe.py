"""Everything doctor reads from one node, in ONE round trip, read-only.

The script runs ``wizard.nodes.gather``'s own fact script first (host name, addresses, mounts, packages, DRBD
versions), nested as ``sh -c "$1"``, then reads the DRBD, Heartbeat and Corosync files, asks drbdadm to parse the
config and to say what ``adjust`` would change (``-d``: print, do nothing), greps the kernel log, and asks
systemd about the units; where Pacemaker runs, crm_mon, ``crm_verify -L`` and the CIB's constraints. Every
part is a section between gather's markers, with its exit code; the pure
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

# $1: gather's script, $2 packages, $3 devices (for it); $4 the known services' paths, SERVICE=PATH,PATH ...;
# $5 mount points. Checked against _SAFE in Python: no shell syntax reaches the script. Process starts are what a
# probe costs in an emulated or busy guest, so cheap reads run without `timeout` and shell builtins do the rest.
SCRIPT = r"""
export LC_ALL=C PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
sh -c "$1" sh "$2" "$3"
M=@@ha-wizard-fact T= SP=$4 MNT=$5   # ($4, $5 kept: `set --` below reuses the positional parameters)
command -v timeout >/dev/null 2>&1 && T="timeout 20"
run() { n=$1; shift; printf '\n%s begin %s\n' "$M" "$n"; "$@" 2>&1; r=$?; printf '\n%s end %s %s\n' "$M" "$n" "$r"; }
HR=/etc/ha.d/haresources
FILES=
for f in /etc/drbd.conf /etc/drbd.d/* /etc/ha.d/ha.cf $HR /etc/ha.d/authkeys /etc/fstab /etc/corosync/corosync.conf; do
  [ -f "$f" ] || continue
  run "file $f" cat -- "$f"; FILES="$FILES $f"
done
[ -n "$FILES" ] && run modes stat -c '%a %n' -- $FILES
if [ ! -e /proc/drbd ]; then   # drbdadm picks its parser by the loaded module; without one, by the module on disk
  v=$(modinfo -F version drbd 2>/dev/null | head -n 1); [ -n "$v" ] && export DRBD_DRIVER_VERSION_OVERRIDE=$v
fi
if [ -f /etc/drbd.conf ]; then
  run drbdadm-parse $T sh -c 'drbdadm dump all 2>&1 >/dev/null'
  [ -e /proc/drbd ] && run drbdadm-adjust $T drbdadm -d adjust all
fi
case "$(head -n 1 /proc/drbd 2>/dev/null)" in
  "version: 9"*) run drbdsetup-status $T drbdsetup status --json;;
esac
if grep -qE 'cs:(SyncSource|SyncTarget|PausedSync)' /proc/drbd 2>/dev/null; then
  sleep 3; run procdrbd-later cat /proc/drbd    # a second look: is the resync moving?
fi
run kernel-log sh -c '{ dmesg 2>/dev/null || journalctl -k -q --no-pager 2>/dev/null; } | grep -i drbd | tail -n 200'
# haresources' resources and the mount agent's mount point, fstab's DRBD mount points: one awk each
RES= SVC=
for w in $( { [ -f $HR ] && awk '{ sub(/#.*/, ""); for (i = 2; i <= NF; i++) { n = split($i, a, "::")
                print "res=" a[1]; if (a[1] ~ /^(Filesystem|ha-wizard-mount)$/ && n > 2) print "mnt=" a[3] } }' $HR
              [ -f /etc/fstab ] && awk '{ sub(/#.*/, "") } $1 ~ /^\/dev\/drbd/ { print "mnt=" $2 }' /etc/fstab; } ); do
  case "${w#*=}" in ""|*[!A-Za-z0-9/._-]*) continue;; esac
  case "$w" in res=*) RES="$RES ${w#res=}";; mnt=*) MNT="$MNT ${w#mnt=}";; esac
done
scripts() { for r in $RES; do for d in /etc/ha.d/resource.d /etc/init.d; do [ -x "$d/$r" ] && echo "$r $d/$r"; done
            done; return 0; }
run scripts scripts
for r in $RES; do [ -x "/etc/ha.d/resource.d/$r" ] || SVC="$SVC $r"; done   # the services: init scripts
U="drbd heartbeat $SVC"
[ -f /etc/corosync/corosync.conf ] && U="$U corosync pacemaker"   # the Pacemaker stack
if command -v systemctl >/dev/null 2>&1; then
  for u in $U; do run "enabled $u" $T systemctl is-enabled "$u"; done
  set -- $($T systemctl is-active $U 2>/dev/null)   # one word per unit, in order ("inactive" if unknown)
  if [ $# -gt 0 ]; then
    for u in $U; do printf '\n%s begin active %s\n%s\n%s end active %s 0\n' "$M" "$u" "$1" "$M" "$u"; shift; done
  fi
else
  for u in $U; do
    run "enabled $u" sh -c 'ls /etc/rc[2345].d/S*"$1" >/dev/null 2>&1 && echo enabled || echo disabled' sh "$u"
    run "active $u" sh -c '/etc/init.d/"$1" status >/dev/null 2>&1 && echo active || echo inactive' sh "$u"
  done
fi
pidof heartbeat >/dev/null 2>&1 && run heartbeat-resources $T cl_status rscstatus
if pidof pacemakerd >/dev/null 2>&1; then   # the cluster's own view and checks, read-only
  run crm-mon $T crm_mon -1 --output-as=xml
  run crm-verify $T crm_verify -L -V
  run cib-constraints $T cibadmin -Q -o constraints
fi
paths() { for e in $1; do
            case " $SVC " in *" ${e%%=*} "*) ;; *) continue;; esac
            IFS=,; set -- ${e#*=}; IFS=' '
            for p in "$@"; do
              if [ -L "$p" ]; then echo "$p link $(readlink -- "$p")"; elif [ -d "$p" ]; then echo "$p dir"
              elif [ -e "$p" ]; then echo "$p file"; else echo "$p missing"; fi
              for x in "$p".*; do if [ -e "$x" ] || [ -L "$x" ]; then echo "$p leftover $x"; fi; done
            done
          done; return 0; }
run paths paths "$SP"
for m in $(printf '%s\n' $MNT | sort -u); do
  run "under $m" sh -c 'if mountpoint -q "$1"; then echo "@mounted"; else ls -A -- "$1" | head -n 50; fi' sh "$m"
done
speeds() { for i in /sys/class/net/*; do s=; read -r s < "$i/speed" 2>/dev/null; echo "${i##*/} ${s:-?}"; done; }
run link-speeds speeds
run ifconfig command -v ifconfig
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
        """Where the resource script haresources names is (resource.d, init.d); None when not looked at."""
        s = self.out.get("scripts")
        if s is None:
            return None
        return tuple(path for line in s.out.splitlines() for name, _, path in [line.partition(" ")] if name == resource)

    def under_mount(self, mount_point: str) -> tuple[str, ...] | None:
        """What lies in the mount point's directory while nothing is mounted there (None: mounted or unread)."""
        s = self.out.get(f"under {mount_point}")
        if s is None or s.out.strip() == "@mounted":
            return None
        return tuple(line for line in s.out.splitlines() if line) if s.ok else ()

    def link_speed_mbit(self, iface: str) -> int | None:
        s = self.out.get("link-speeds")
        for line in (s.out.splitlines() if s is not None else []):
            name, _, value = line.partition(" ")
            if name == iface:
                return int(value) if value.strip().lstrip("-").isdigit() and int(value) > 0 else None
        return None


def _paths(text: str) -> dict[str, PathState]:
    """The ``paths`` section: ``PATH link TARGET`` / ``PATH dir|file|missing`` / ``PATH leftover OTHER`` lines."""
    kinds: dict[str, tuple[str, str]] = {}
    leftovers: dict[str, list[str]] = {}
    for line in text.splitlines():
        path, _, rest = line.partition(" ")
        kind, _, arg = rest.partition(" ")
        if kind == "leftover":
            leftovers.setdefault(path, []).append(arg)
        elif kind in ("link", "dir", "file", "missing"):
            kinds[path] = (kind, arg)
    return {p: PathState(k, t, tuple(leftovers.get(p, ()))) for p, (k, t) in kinds.items()}


def snapshot_from_text(node: str, text: str, packages: Sequence[str], label: str = "") -> NodeSnapshot:
    """Pure: the script's whole output -> NodeSnapshot (unit tests feed it captured text)."""
    sections = gather.split_sections(text)
    facts = gather.facts_from_sections(node, sections, packages)
    files: dict[str, str] = {}
    modes: dict[str, int] = {}
    out: dict[str, Section] = {}
    for name, sec in sections.items():
        kind, _, arg = name.partition(" ")
        if kind == "file" and sec.ok:
            files[arg] = sec.out
        elif name == "modes":
            for line in sec.out.splitlines():
                mode, _, path = line.partition(" ")
                if re.fullmatch(r"[0-7]{3,4}", mode):
                    modes[path] = int(mode, 8)
        else:
            out[name] = sec
    paths = _paths(out["paths"].out) if "paths" in out else {}
    return NodeSnapshot(facts, label, files, modes, out, paths)


def _words(values: Sequence[str], what: str) -> str:
    bad = [v for v in values if not _SAFE.match(v)]
    if bad:
        raise ValueError(f"not a {what}: {bad}")
    return " ".join(dict.fromkeys(values))


def read_node(ex: Executor, *, packages: Sequence[str] = (), service_paths: Mapping[str, Sequence[str]] | None = None,
              mount_points: Sequence[str] = ()) -> NodeSnapshot:
    """One node, one round trip. ``service_paths``: each known service's paths, looked at where haresources starts
    that service; ``mount_points``: besides the ones haresources' mount agent and fstab name."""
    label = ex.label
    if not getattr(ex, "reachable", True):
        return NodeSnapshot(unreached(ex.node, getattr(ex, "why_offline", "") or "not contacted"), label)
    pkgs = list(dict.fromkeys([*gather.BASE_PACKAGES, *packages]))
    services = {svc: [p for p in paths if _SAFE.match(p) and "," not in p and "=" not in p]
                for svc, paths in (service_paths or {}).items() if _SAFE.match(svc) and "=" not in svc}
    entries = " ".join(f"{svc}={','.join(paths)}" for svc, paths in services.items() if paths)
    argv = ["sh", "-c", SCRIPT, "sh", gather.SCRIPT, _words(pkgs, "package name"), "", entries,
            _words(mount_points, "mount point")]
    try:
        r = ex.probe(argv, timeout=240)
    except UnreachableError as e:
        return NodeSnapshot(unreached(ex.node, str(e)), label)
    if gather.MARK not in r.out:
        why = (r.err.strip().splitlines() or [f"the probe failed (exit {r.rc})"])[-1]
        return NodeSnapshot(unreached(ex.node, why), label)
    return snapshot_from_text(ex.node, r.out, pkgs, label)
