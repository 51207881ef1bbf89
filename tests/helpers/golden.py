"""The golden files: what ha-wizard renders for fixed answers and fixed secrets, per DRBD syntax and stack.

Used by the golden tests and by ``scripts/regen-golden`` (which runs this file with ``--write``).
Layout: golden/<set>-<family>/<absolute path on the node>. Only files ha-wizard writes itself are kept;
the Debian conffiles it plans verbatim are tested against templates/drbd/debian/ instead, and Heartbeat's
chain scripts it copies as they are (templates/heartbeat/resource.d) are run by test_lean_agents.py.
The "-pacemaker" and Pacemaker sets hold the Pacemaker stack's files (DRBD with crm-fence-peer, Corosync,
the CIB script); tests/unit/pacemaker checks them with corosync and crmsh.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script by scripts/regen-golden
    sys.path.insert(0, str(ROOT))

import dataclasses  # noqa: E402

from wizard.core.answers import load_answers  # noqa: E402
from wizard.core.plan import PlanContext  # noqa: E402
from wizard.core.secrets import Secrets  # noqa: E402
from wizard.drbd.render import DRBD_CONF, GLOBAL_COMMON  # noqa: E402
from wizard.flow.tutorial import node_files  # noqa: E402
from wizard.heartbeat.agents import RESOURCE_D  # noqa: E402
from wizard.pacemaker.stack import resolve_stack  # noqa: E402

GOLDEN = ROOT / "tests" / "unit" / "flow" / "golden"
KNOWN = Secrets("golden-shared-secret-0123456789abcdef", "golden-authkey-0123456789abcdef")
ANSWERS = {
    "tutorial": ROOT / "examples" / "tutorial.toml",
    "lab": ROOT / "tests" / "data" / "answers" / "lab.toml",
    "lab-dopd": ROOT / "tests" / "data" / "answers" / "lab-dopd.toml",
    "tutorial-pacemaker": ROOT / "examples" / "tutorial.toml",  # with stack = "pacemaker" (STACK below)
    "lab-pacemaker": ROOT / "tests" / "data" / "answers" / "lab-pacemaker.toml",
    "pacemaker-ipmi": ROOT / "tests" / "data" / "answers" / "pacemaker-ipmi.toml",
}
STACK = {"tutorial-pacemaker": "pacemaker"}  # the same answers on the other stack
PACEMAKER_SETS = ("tutorial-pacemaker", "lab-pacemaker", "pacemaker-ipmi")
# dopd fencing is DRBD 8.x only (confcheck refuses it with 9), so that set has no 9 golden; the Pacemaker sets
# have 8.4 (Debian 12's module, the lab's) and 9 (its other fence handlers).
CASES = [(s, f) for s in ANSWERS for f in ("8.3", "8.4", "9")
         if not (s == "lab-dopd" and f == "9") and not (s in PACEMAKER_SETS and f == "8.3")]
VERBATIM = {DRBD_CONF, GLOBAL_COMMON}
AGENT_SCRIPTS = f"{RESOURCE_D}/ha-wizard-"


def context(answers: str, family: str) -> PlanContext:
    spec, _ = load_answers(ANSWERS[answers])
    if answers in STACK:
        spec = dataclasses.replace(spec, stack=STACK[answers])
    stack, why = resolve_stack(spec.stack, {}, [n.name for n in spec.nodes])
    return PlanContext(spec=spec, secrets=KNOWN, drbd_family=family, stack=stack, stack_source=why)


def rendered(answers: str, family: str) -> dict[str, str]:
    """Golden path (relative) -> content, for the master node (the peer's files are identical)."""
    ctx = context(answers, family)
    files = node_files(ctx, ctx.spec.master)
    debian = family != "8.3"
    return {f.path.lstrip("/"): f.content for f in files
            if not (debian and f.path in VERBATIM) and not f.path.startswith(AGENT_SCRIPTS)}


def stored(answers: str, family: str) -> dict[str, str]:
    base = GOLDEN / f"{answers}-{family}"
    return {str(p.relative_to(base)): p.read_text(encoding="utf-8") for p in sorted(base.rglob("*")) if p.is_file()}


def write_all() -> list[Path]:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    out = []
    for answers, family in CASES:
        for rel, content in rendered(answers, family).items():
            dest = GOLDEN / f"{answers}-{family}" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(content, encoding="utf-8")
            out.append(dest)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description="regenerate the golden configuration files")
    p.add_argument("--write", action="store_true", help="replace tests/unit/flow/golden/")
    args = p.parse_args()
    if not args.write:
        p.error("pass --write to replace the golden files (then review them with git diff)")
    for f in write_all():
        print(f.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
