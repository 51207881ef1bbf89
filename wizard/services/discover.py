"""What each node has of the recipes, read-only, in one round trip per node.

For each recipe: its packages' versions (for one not installed, the version the node's repositories offer,
which the plan's ``install@NODE`` step installs), what each path is (a "*" in a path is found here: PostgreSQL's
``/etc/postgresql/*/main`` is ``/etc/postgresql/15/main`` on Debian 12), its size, whether an earlier move
left ``PATH.ha-wizard-orig``, the unit's boot and run state and the boot state recorded before the move;
the relay programs; whether the replicated disk is mounted and how much room it has. The plan resolves
paths from the master's answer; the Services screen and ``ha-wizard recipes`` show the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from wizard.core.spec import Spec
from wizard.errors import UnreachableError
from wizard.executors.base import Executor
from wizard.services.recipes import Recipe

FACTS_KEY = "services"  # ctx.facts[FACTS_KEY] = {node name: NodeServices}
MARK = "@@ha-wizard-svc"

# A size that takes du more than 30 s (a very large data folder) is left unknown rather than holding up the plan.
# $1 mount point, $2 the state dir of remember-boot, then items "pkg:NAME", "path:PATTERN", "unit:UNIT",
# "prog:NAME", "real:PATH" (validated names: the recipe schema allows no shell syntax in them).
SCRIPT = r"""
M=@@ha-wizard-svc m=$1 s=$2; shift 2
export LC_ALL=C
if mountpoint -q -- "$m"; then echo "$M mount yes $(df -Pk -- "$m" | awk 'NR == 2 {print $4}')"
else echo "$M mount no -"; fi
for item; do
  v=${item#*:}
  case $item in
  pkg:*)
    i=$(dpkg-query -W -f '${db:Status-Status} ${Version}\n' "$v" 2>/dev/null | sed -n 's|^installed ||p' | head -n1)
    if [ -n "$i" ]; then echo "$M pkg $v $i"
    elif command -v apt-cache >/dev/null; then  # not installed: what the node's repositories offer
      c=$(apt-cache policy -- "$v" 2>/dev/null | sed -n 's|^ *Candidate: ||p' | head -n1)
      case $c in ""|"(none)") ;; *) echo "$M cand $v $c" ;; esac
    fi ;;
  path:*)
    for p in $v; do  # unquoted: the shell finds a pattern's matches
      case $p in *.ha-wizard-orig|*.ha-wizard-partial|*.ha-wizard-copied|*.ha-wizard-copy) continue ;; esac
      o=no; { [ -e "$p.ha-wizard-orig" ] || [ -L "$p.ha-wizard-orig" ]; } && o=yes
      if [ -L "$p" ]; then t=$(readlink -- "$p"); k=$(timeout 30 du -sk -- "$p/" 2>/dev/null | cut -f1)
        echo "$M path $v	$p	link	$t	${k:--}	$o"
      elif [ -d "$p" ]; then echo "$M path $v	$p	dir	-	$(timeout 30 du -skx -- "$p" 2>/dev/null | cut -f1)	$o"
      elif [ -e "$p" ]; then echo "$M path $v	$p	file	-	$(timeout 30 du -sk -- "$p" 2>/dev/null | cut -f1)	$o"
      elif [ "$o" = yes ]; then echo "$M path $v	$p	missing	-	-	$o"; fi
    done ;;
  unit:*)
    e=$(systemctl is-enabled -- "$v" 2>/dev/null | head -n1); a=$(systemctl is-active -- "$v" 2>/dev/null)
    b=$(cat -- "$s/$v.boot" 2>/dev/null)
    echo "$M unit $v	${e:-unknown}	${a:-unknown}	${b:--}" ;;
  prog:*) w=$(command -v -- "$v") && echo "$M prog $v $w" ;;
  real:*) echo "$M real $v $(readlink -f -- "$v" 2>/dev/null)" ;;
  esac
done
exit 0
"""


@dataclass(frozen=True)
class PathFact:
    path: str  # a concrete path (a pattern's match)
    kind: str  # dir | file | link | missing (missing: only PATH.ha-wizard-orig is there)
    target: str = ""  # where a link leads
    kib: int | None = None  # size (of what a link leads to, when it is there)
    orig: bool = False  # PATH.ha-wizard-orig exists


@dataclass(frozen=True)
class UnitFact:
    enabled: str  # `systemctl is-enabled`: enabled, disabled, masked, ...
    active: str  # `systemctl is-active`: active, inactive, failed, ...
    recorded: str = ""  # the boot state remember-boot kept before the move ("" = none)


@dataclass(frozen=True)
class NodeServices:
    node: str
    reached: bool = True
    why_not: str = ""
    mounted: bool = False
    avail_kib: int | None = None
    packages: Mapping[str, str] = field(default_factory=dict)  # installed: name -> version
    offered: Mapping[str, str] = field(default_factory=dict)  # not installed, offered: name -> candidate version
    paths: Mapping[str, tuple[PathFact, ...]] = field(default_factory=dict)  # pattern -> what is there
    units: Mapping[str, UnitFact] = field(default_factory=dict)
    programs: Mapping[str, str] = field(default_factory=dict)  # name -> where (`command -v`)
    real: Mapping[str, str] = field(default_factory=dict)  # path -> `readlink -f`

    def found(self, pattern: str) -> tuple[PathFact, ...]:
        return self.paths.get(pattern, ())

    def installed(self, recipe: Recipe) -> bool:
        return all(p in self.packages for p in recipe.packages)

    def to_install(self, recipe: Recipe) -> list[str] | None:
        """The recipe's packages the plan would install here, or None when one is neither installed nor
        offered by the node's repositories (an apt-based node; elsewhere nothing is offered)."""
        missing = [p for p in recipe.packages if p not in self.packages]
        return None if any(p not in self.offered for p in missing) else missing


def items(recipes: Iterable[Recipe]) -> list[str]:
    out: list[str] = []
    for r in recipes:
        out += [f"pkg:{p}" for p in r.packages]
        out += [f"path:{p}" for p in r.paths]
        out.append(f"unit:{r.unit}")
        if r.relay:
            out += [f"prog:{p}" for p in r.relay.programs]
            out.append(f"real:{r.relay.binary}")
    return list(dict.fromkeys(out))


def parse(node: str, text: str) -> NodeServices:
    """The probe's output as facts (pure: the unit tests feed it captured text)."""
    mounted, avail = False, None
    packages: dict[str, str] = {}
    offered: dict[str, str] = {}
    paths: dict[str, list[PathFact]] = {}
    units: dict[str, UnitFact] = {}
    programs: dict[str, str] = {}
    real: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith(MARK + " "):
            continue
        kind, _, rest = line[len(MARK) + 1:].partition(" ")
        if kind == "mount":
            flag, _, kib = rest.partition(" ")
            mounted, avail = flag == "yes", int(kib) if kib.isdigit() else None
        elif kind in ("pkg", "cand"):
            name, _, version = rest.partition(" ")
            (packages if kind == "pkg" else offered)[name] = version
        elif kind == "path":
            cols = rest.split("\t")
            if len(cols) == 6:
                pattern, path, what, target, kib, orig = cols
                paths.setdefault(pattern, []).append(PathFact(path, what, "" if target == "-" else target,
                                                              int(kib) if kib.isdigit() else None, orig == "yes"))
        elif kind == "unit":
            cols = rest.split("\t")
            if len(cols) == 4:
                units[cols[0]] = UnitFact(cols[1], cols[2], "" if cols[3] == "-" else cols[3])
        elif kind in ("prog", "real"):
            name, _, where = rest.partition(" ")
            if where:
                (programs if kind == "prog" else real)[name] = where
    return NodeServices(node, mounted=mounted, avail_kib=avail, packages=packages, offered=offered,
                        paths={k: tuple(v) for k, v in paths.items()}, units=units, programs=programs, real=real)


def discover_node(ex: Executor, recipes: Sequence[Recipe], mount: str, state_dir: str) -> NodeServices:
    if not getattr(ex, "reachable", True):
        return NodeServices(ex.node, reached=False, why_not=getattr(ex, "why_offline", "") or "not contacted")
    try:
        r = ex.probe(["sh", "-c", SCRIPT, "sh", mount, state_dir, *items(recipes)], timeout=300)
    except UnreachableError as e:
        return NodeServices(ex.node, reached=False, why_not=str(e))
    if MARK not in r.out:
        return NodeServices(ex.node, reached=False,
                            why_not=(r.err.strip().splitlines() or [f"probe failed (exit {r.rc})"])[-1])
    return parse(ex.node, r.out)


def state_dir(spec: Spec) -> str:
    """Where each node keeps what ha-wizard noted about its services (the boot state before the move)."""
    return f"{spec.wizard.journal_dir.rstrip('/')}/services"


def discover_all(spec: Spec, executors: Mapping[str, Executor], recipes: Sequence[Recipe]) -> dict[str, NodeServices]:
    """Both nodes, in parallel; a node without an executor is recorded as not contacted."""
    names = [spec.master, spec.peer_node.name]
    if not recipes:
        return {}

    def one(name: str) -> NodeServices:
        ex = executors.get(name)
        if ex is None:
            return NodeServices(name, reached=False, why_not="no connection to it")
        return discover_node(ex, recipes, spec.storage.mount_point, state_dir(spec))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))
