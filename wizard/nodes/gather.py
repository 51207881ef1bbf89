"""Read-only facts from the nodes, through the executors (so dry-run gathers them too).

``gather_node`` asks one node everything in ONE round trip: a single ``sh -c`` script through
``Executor.probe`` runs every probe (fdisk -l, lsblk, blkid, wipefs, /proc files, pvs, holders, uname,
ip, DRBD and package versions, serial ports), each between markers with its exit code, each bounded by
``timeout`` so one hung device cannot stall the rest. Over SSH one round trip costs 5-30 ms; probing
one command at a time would cost ~40 of them per node. The pure parsers (``wizard.nodes.parse``,
``wizard.nodes.blockdevs``) turn the sections into a ``NodeFacts``; a section whose tool is missing becomes an
"unknown" entry, never a crash.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from wizard.core.spec import Spec
from wizard.errors import UnreachableError
from wizard.executors.base import Executor
from wizard.nodes import blockdevs as fd
from wizard.nodes import parse as fn
from wizard.nodes.facts import EXT_FAMILY, NodeFacts, Signatures, unreached

BASE_PACKAGES = ("drbd-utils", "heartbeat")
# What each cluster stack needs besides drbd-utils (wizard.pacemaker.stack resolves which one a plan is for).
STACK_PACKAGES = {"heartbeat": ("heartbeat",), "pacemaker": ("pacemaker", "corosync", "crmsh", "resource-agents")}
MARK = "@@ha-wizard-fact"
_PKG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*$")
_DEV_RE = re.compile(r"^/dev/[A-Za-z0-9][A-Za-z0-9/._:+-]*$")

# $1: package names, $2: extra devices (both space separated, validated in Python: no shell syntax).
# stderr is dropped: the exit code says what we need (127 = not installed) and stays parseable.
SCRIPT = r"""
export LC_ALL=C PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
M=@@ha-wizard-fact T=
command -v timeout >/dev/null 2>&1 && T="timeout 20"
run() { n=$1; shift; printf '\n%s begin %s\n' "$M" "$n"; $T "$@" 2>/dev/null; r=$?
        printf '\n%s end %s %s\n' "$M" "$n" "$r"; return $r; }
T0=$T; T=  # kernel files and uname cannot hang: no timeout process for them
run uname uname -n
run machine-id cat /etc/machine-id
run mounts cat /proc/mounts
run swaps cat /proc/swaps
run mdstat cat /proc/mdstat
run procdrbd cat /proc/drbd
T=$T0
run fdisk fdisk -l
run lsblk sh -c 'lsblk --json --bytes -o NAME,PATH,SIZE,TYPE,FSTYPE,MOUNTPOINT,PKNAME 2>/dev/null ||
                 lsblk --json --bytes -o NAME,SIZE,TYPE,FSTYPE,MOUNTPOINT,PKNAME'
run blkid blkid -o export
run pvs pvs --noheadings -o pv_name,vg_name
run holders sh -c 'for h in /sys/class/block/*/holders; do l=$(ls "$h" 2>/dev/null) || continue
                   [ -n "$l" ] && { n=${h%/holders}; echo "${n##*/}:" $l; }; done; exit 0'
run ip ip -j addr || run ip-o ip -o addr
run drbdadm drbdadm --version
run modinfo modinfo -F version drbd
run managers sh -c 'for t in apt-get dnf yum zypper dpkg-query rpm; do command -v $t >/dev/null && echo $t; done'
if command -v dpkg-query >/dev/null 2>&1; then run packages dpkg-query -W -f '${Package} ${Version}\n' $1
elif command -v rpm >/dev/null 2>&1; then run packages rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' $1; fi
run serial sh -c 'cat /proc/tty/driver/serial 2>/dev/null || ls -d /dev/ttyS*'
run ha-agents sh -c 'for d in /etc/ha.d/resource.d /usr/lib/ocf/resource.d/heartbeat; do
  for a in drbddisk Filesystem IPaddr2 IPaddr; do [ -x "$d/$a" ] && echo "$d/$a"; done; done; exit 0'
run init sh -c 'echo "pid1 $(cat /proc/1/comm)"; for u in drbd heartbeat; do
  for d in /lib/systemd/system /usr/lib/systemd/system /etc/systemd/system; do
    [ -e "$d/$u.service" ] && { echo "unit $u"; break; }; done
  [ -x "/etc/init.d/$u" ] && echo "initd $u"; done; exit 0'
parts=$(for p in /sys/class/block/*; do [ -e "$p/partition" ] && echo "/dev/${p##*/}"; done)
for d in $parts $2; do
  [ -b "$d" ] || continue
  o=$($T blkid -p -o export "$d" 2>/dev/null); r=$?
  printf '\n%s begin blkid-p %s\n%s\n%s end blkid-p %s %s\n' "$M" "$d" "$o" "$M" "$d" "$r"
  run "wipefs $d" sh -c 'wipefs -n -J "$1" 2>/dev/null || wipefs -n "$1"' sh "$d"
  case "$o" in *TYPE=ext[234]*) run "dumpe2fs $d" dumpe2fs -h "$d";; esac
done
exit 0
"""

# What apt's repositories offer of the packages ($@) a node lacks: the number of package lists apt has (none:
# never updated, nothing can be told), then their policy. Read-only; a second round trip, only when a
# package is missing (never on a node that has everything, as the lab's).
CANDIDATES = r"""
export LC_ALL=C
n=$(ls /var/lib/apt/lists 2>/dev/null | grep -c _Packages); echo "$n"
[ "$n" -gt 0 ] || exit 0
exec apt-cache policy "$@"
"""


@dataclass(frozen=True)
class Section:
    out: str
    rc: int

    @property
    def ok(self) -> bool:
        return self.rc == 0


def split_sections(text: str) -> dict[str, Section]:
    """The script's output: name -> (text between the markers, exit code)."""
    out: dict[str, Section] = {}
    begin = re.compile(rf"^{re.escape(MARK)} begin (.+)$", re.M)
    for m in begin.finditer(text):
        name = m.group(1)
        end = re.compile(rf"^{re.escape(MARK)} end {re.escape(name)} (-?\d+)$", re.M)
        e = end.search(text, m.end())
        if e is None:  # cut off (a timeout of the whole probe): what is there is unusable
            continue
        body = text[m.end() + 1:e.start()]
        out[name] = Section(body[:-1] if body.endswith("\n") else body, int(e.group(1)))
    return out


def _why(tool: str, s: Section | None) -> str:
    if s is None:
        return f"{tool} was not run"
    if s.rc == 127:
        return f"{tool} is not installed"
    if s.rc == 124:
        return f"{tool} did not answer within 20 s"
    return f"{tool} failed (exit {s.rc})"


def facts_from_sections(node: str, sec: Mapping[str, Section], packages: Sequence[str]) -> NodeFacts:
    """Build NodeFacts from the script's sections (pure: the unit tests feed it captured text)."""
    unknown: dict[str, str] = {}

    def get(name: str, tool: str, ok_codes: tuple[int, ...] = (0,)) -> str | None:
        s = sec.get(name)
        if s is not None and s.rc in ok_codes:
            return s.out
        unknown[name] = _why(tool, s)
        return None

    hostname = None
    if (t := get("uname", "uname -n")) is not None:
        try:
            hostname = fn.parse_uname_n(t)
        except ValueError as e:
            unknown["uname"] = str(e)
    machine_id = (get("machine-id", "/etc/machine-id") or "").strip() or None
    report = fd.parse_fdisk(t) if (t := get("fdisk", "fdisk -l")) is not None else fd.DiskReport((), ())
    blockdevs: list[fd.BlockDevice] = []
    if (t := get("lsblk", "lsblk")) is not None:
        try:
            blockdevs = fd.parse_lsblk_json(t)
        except ValueError:
            unknown["lsblk"] = "lsblk printed no JSON"
    report = fd.merge(report, blockdevs)
    mounts = fd.parse_proc_mounts(get("mounts", "/proc/mounts") or "")
    swaps = fd.parse_proc_swaps(get("swaps", "/proc/swaps") or "")
    # no /proc/mdstat: the md driver is not loaded, so nothing is an md member
    md = fd.parse_mdstat(sec["mdstat"].out) if "mdstat" in sec and sec["mdstat"].ok else {}
    # without lvm2 (127) no PV can be active, and an LV in use would show up as a holder below anyway
    pv = sec.get("pvs")
    pvs = fd.parse_pvs(pv.out) if pv is not None and pv.rc in (0, 5) else {}
    if pv is None or pv.rc not in (0, 5, 127):
        unknown["pvs"] = _why("pvs", pv)
    holders: dict[str, tuple[str, ...]] = {}
    for line in (get("holders", "/sys/class/block") or "").splitlines():
        name, _, rest = line.partition(":")
        if rest.split():
            holders[f"/dev/{name.strip()}"] = tuple(f"/dev/{h}" for h in rest.split())
    addresses = _addresses(sec, unknown)
    drbd_loaded = "procdrbd" in sec and sec["procdrbd"].ok
    proc = fn.parse_drbd_version(sec["procdrbd"].out) if drbd_loaded else fn.Versions(None, None, None)
    # drbdadm --version exits non-zero on some versions when no module is loaded: trust its KEY=VALUE lines
    adm_sec = sec.get("drbdadm")
    adm = fn.parse_drbd_version(adm_sec.out) if adm_sec and "DRBDADM_" in adm_sec.out else None
    if adm is None:
        unknown["drbdadm"] = _why("drbdadm", adm_sec)
    modinfo = sec.get("modinfo")
    module = modinfo.out.strip().splitlines()[0] if modinfo and modinfo.ok and modinfo.out.strip() else None
    kernel = proc.kernel_module or (adm.kernel_module if adm else None) or module
    versions = fn.Versions(kernel, adm.utils if adm else None, proc.api or (adm.api if adm else None))
    tools = (sec["managers"].out.split() if "managers" in sec else [])
    db = "dpkg" if "dpkg-query" in tools else "rpm" if "rpm" in tools else None
    manager = next((t for t in ("apt-get", "dnf", "zypper", "yum") if t in tools), None)
    installed: dict[str, str] = {}
    if db is None:
        unknown["packages"] = "neither dpkg-query nor rpm found"
    elif "packages" in sec and sec["packages"].rc < 124:  # dpkg 1, rpm N: only "N are not installed"
        installed = fn.parse_dpkg_versions(sec["packages"].out)
    else:
        unknown["packages"] = _why("dpkg-query" if db == "dpkg" else "rpm", sec.get("packages"))
    serial_sec = sec.get("serial")
    serial = tuple(fn.parse_serial_ports(serial_sec.out)) if serial_sec is not None else None
    # raw lines, read by wizard.heartbeat.agents (which resource agents and init system the node has)
    ha_agents = tuple(sec["ha-agents"].out.split()) if "ha-agents" in sec else None
    init = tuple(sec["init"].out.splitlines()) if "init" in sec else None
    return NodeFacts(
        node=node, hostname=hostname, machine_id=machine_id, addresses=addresses, disks=report,
        blockdevs=tuple(blockdevs), signatures=_signatures(sec, get("blkid", "blkid", (0, 2))),
        mounts=tuple(mounts), swaps=tuple(swaps), pvs=pvs, md_members=md, holders=holders, drbd=versions,
        drbd_loaded=drbd_loaded, drbd_module=module or proc.kernel_module, package_db=db,
        package_manager=manager, packages=installed, packages_asked=tuple(packages), serial_ports=serial,
        ha_agents=ha_agents, init=init, unknown=unknown,
    )


def _addresses(sec: Mapping[str, Section], unknown: dict[str, str]) -> dict[str, tuple[fn.IPInterface, ...]]:
    if "ip" in sec and sec["ip"].ok:
        try:
            return {k: tuple(v) for k, v in fn.parse_ip_j_addr(sec["ip"].out).items()}
        except ValueError:
            pass
    if "ip-o" in sec and sec["ip-o"].ok:  # iproute2 older than 4.13 has no -j
        import ipaddress

        found: dict[str, list[fn.IPInterface]] = {}
        for m in re.finditer(r"^\d+:\s+(\S+)\s+inet6?\s+(\S+)", sec["ip-o"].out, re.M):
            found.setdefault(m.group(1).split("@")[0], []).append(ipaddress.ip_interface(m.group(2)))
        return {k: tuple(v) for k, v in found.items()}
    unknown["ip"] = _why("ip", sec.get("ip-o") or sec.get("ip"))
    return {}


def _signatures(sec: Mapping[str, Section], blkid_all: str | None) -> dict[str, Signatures]:
    """device -> what blkid -p / wipefs / dumpe2fs found; the cached ``blkid -o export`` list fills in
    devices the per-device loop did not reach (LVs, md arrays)."""
    out: dict[str, Signatures] = {}
    for e in fd.parse_blkid_export(blkid_all or ""):
        if e.get("DEVNAME", "").startswith("/dev/") and e.get("TYPE"):
            out[e["DEVNAME"]] = Signatures((e["TYPE"],), True, None, e.get("LABEL"))
    for name in sec:
        if not name.startswith("blkid-p "):
            continue
        dev = name.split(" ", 1)[1]
        b, w = sec[name], sec.get(f"wipefs {dev}")
        kinds: list[str] = []
        label = None
        if b.rc == 0:
            entry = (fd.parse_blkid_export(b.out) or [{}])[0]
            kinds += [k for k in (entry.get("TYPE"), entry.get("PTTYPE")) if k]
            label = entry.get("LABEL")
        if w is not None and w.ok:
            with contextlib.suppress(ValueError, KeyError):  # a garbled listing: blkid's answer stands
                kinds += [s.type for s in fd.parse_wipefs(w.out)]
        known = b.rc in (0, 2) or bool(w is not None and w.ok)  # blkid -p: 2 = nothing found
        size = None
        d = sec.get(f"dumpe2fs {dev}")
        if d is not None and d.ok and kinds and kinds[0] in EXT_FAMILY:
            size = fd.parse_dumpe2fs_size(d.out)
        out[dev] = Signatures(tuple(dict.fromkeys(kinds)), known, size, label)
    return out


def gather_node(ex: Executor, *, packages: Sequence[str] = (), devices: Sequence[str] = ()) -> NodeFacts:
    """Everything ha-wizard needs to know about one node, read-only, in one round trip (a second one asks apt
    what its repositories offer of the packages the node lacks, only when it lacks some).

    ``packages``: versions to look up besides drbd-utils and heartbeat (the recipes' packages);
    ``devices``: block devices to inspect besides every partition (an LV or md array in the answers).
    """
    if not getattr(ex, "reachable", True):
        return unreached(ex.node, getattr(ex, "why_offline", "") or "not contacted")
    pkgs = list(dict.fromkeys([*BASE_PACKAGES, *packages]))
    bad = [p for p in pkgs if not _PKG_RE.match(p)] + [d for d in devices if not _DEV_RE.match(d)]
    if bad:
        raise ValueError(f"not a package or device name: {bad}")
    try:
        r = ex.probe(["sh", "-c", SCRIPT, "sh", " ".join(pkgs), " ".join(devices)], timeout=120)
    except UnreachableError as e:
        return unreached(ex.node, str(e))
    if r.rc != 0 and MARK not in r.out:
        return unreached(ex.node, (r.err.strip().splitlines() or [f"probe failed (exit {r.rc})"])[-1])
    facts = facts_from_sections(ex.node, split_sections(r.out), pkgs)
    missing = facts.missing_packages(pkgs)
    if missing and facts.package_manager == "apt-get":
        try:
            c = ex.probe(["sh", "-c", CANDIDATES, "sh", *missing], timeout=60)
        except UnreachableError:
            return facts
        if c.rc == 0:
            facts = dataclasses.replace(facts, candidates=fn.parse_apt_candidates(c.out))
    return facts


def packages_for(spec: Spec, stack: str | None = None) -> tuple[str, ...]:
    """The packages whose versions matter: drbd-utils, the cluster stack's and the enabled recipes' packages.

    ``stack``: "heartbeat" or "pacemaker" (a plan's resolved stack); None takes the answers' cluster.stack,
    and "auto" asks for both stacks' packages (the facts then tell which one the nodes can have)."""
    from wizard.services.recipes import enabled_recipes

    wanted = stack or spec.stack
    cluster = [p for name, pkgs in STACK_PACKAGES.items() if wanted in (name, "auto") for p in pkgs]
    return tuple(dict.fromkeys(["drbd-utils", *cluster, *(p for r in enabled_recipes(spec) for p in r.packages)]))


def gather_all(spec: Spec, executors: Mapping[str, Executor]) -> dict[str, NodeFacts]:
    """Both nodes' facts, gathered in parallel (each one round trip). A node without an executor is
    recorded as not contacted."""
    names = [spec.master, spec.peer_node.name]
    pkgs = packages_for(spec)

    def one(name: str) -> NodeFacts:
        ex = executors.get(name)
        if ex is None:
            return unreached(name, "no connection to it")
        disk = spec.node(name).disk
        meta = spec.drbd.meta_disk.split("[")[0]
        extra = [d for d in (disk, meta) if _DEV_RE.match(d)]
        return gather_node(ex, packages=pkgs, devices=extra)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))
