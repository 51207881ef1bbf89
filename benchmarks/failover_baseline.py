"""Hard failover, time to service: the tutorial's pair built by hand against the wizard's pair at the same
deadtime, on the same lab VMs, in the same run, measured the same way.

    flock /tmp/ha-wizard-lab.lock .venv/bin/python benchmarks/failover_baseline.py [--kills 3] [--keep]
        [--variants "deadtime 5,deadtime 10,recommended"]

The hand-built pair is ``tests/lab/handbuilt.py``: the commands an admin types from the tutorial (Heartbeat's
files as the reference lab prototype wrote them: keepalive 1, deadtime 5, ``IPaddr`` first, DRBD's default
timeouts, apache2 moved by hand). The wizard's pair is ``examples/lab.toml`` with apache2 and the same Heartbeat
timing (a custom profile: keepalive 1, warntime 3, deadtime 5, initdead 10). Each setup gets fresh VMs.
The wizard's further variants (``--variants``: deadtime 10, the recommended profile) run on the wizard's VMs
after it: the answers changed, ``apply`` again, Heartbeat restarted, the same kills.

Each kill: a poller on the surviving node writes, in that node's clock, when it first sees DRBD Primary,
/replicated mounted, the VIP on an interface and apache2 answering HTTP on the VIP. The kill instant is read
from the same clock just before the harness SIGKILLs the serving VM's qemu (the SSH round trip, ~0.3 s under
TCG, makes every time slightly longer, the same for both setups). The dead node is booted again and stands
by before the next kill, which then cuts the other node. Prints a Markdown table for docs/benchmarks.md and
writes every measurement to benchmarks/results/baseline-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks.failover_rto import (  # noqa: E402
    VARIANTS,
    answers,
    restart_heartbeat,
    serving,
    serving_safe,
    soft_drill,
    standby_ok,
    wait,
)
from tests.lab import handbuilt  # noqa: E402
from tests.lab.wizard_on_node import (  # noqa: E402
    ANSWERS,
    build_wheelhouse,
    confirm_args,
    install_on_node1,
    plan_json,
    run_wizard,
)
from wizard.lab import Lab  # noqa: E402

VIP = "10.99.0.100"
PHASES = ("primary", "mounted", "address", "http")
# Runs on the survivor: the first instant (its own clock) each phase is seen, one line each, then "done".
# Arguments: the VIP, then (for its short run in the test suite) the HTTP port, the DRBD status file, the output.
POLLER = r"""VIP=$1; port=${2:-80}; drbd=${3:-/proc/drbd}; out=${4:-/root/poll.out}
: > $out; p=; m=; a=; h=; end=$(( $(date +%s) + 300 ))
GET="exec 3<>/dev/tcp/$VIP/$port; printf 'GET / HTTP/1.0\r\n\r\n' >&3; head -c 12 <&3"
while [ "$(date +%s)" -lt $end ]; do
  t=$(date +%s.%N)
  [ -z "$p" ] && grep -q 'ro:Primary' "$drbd" && p=$t && echo "primary $t" >> $out
  [ -z "$m" ] && mountpoint -q /replicated && m=$t && echo "mounted $t" >> $out
  [ -z "$a" ] && ip -o addr | grep -q "inet $VIP/" && a=$t && echo "address $t" >> $out
  if [ -z "$h" ] && [ -n "$a" ] && timeout 3 bash -c "$GET" 2>/dev/null | grep -q 'HTTP/1.. 200'; then
    h=$t; echo "http $t" >> $out; break
  fi
  sleep 0.2
done
echo done >> $out
"""


def one_kill(lab: Lab) -> dict[str, Any]:
    s = serving(lab)
    o = 3 - s
    lab.ssh(o, "cat > /root/poll.sh", input=POLLER)
    lab.ssh(o, f"nohup sh /root/poll.sh {VIP} > /dev/null 2>&1 &", timeout=60)
    time.sleep(2)  # the poller's first round, before the cut
    t_kill = float(lab.ssh(o, "date +%s.%N", timeout=60).stdout.strip())
    lab.kill_hard(s)
    wait("the poller's result", lambda: "done" in lab.ssh(o, "cat /root/poll.out", timeout=60).stdout, 400)
    seen = dict(ln.split() for ln in lab.ssh(o, "cat /root/poll.out").stdout.splitlines() if " " in ln)
    result: dict[str, Any] = {"cut": f"node{s}", "took_over": f"node{o}"}
    result.update({k: round(float(seen[k]) - t_kill, 1) if k in seen else None for k in PHASES})
    lab.restart(s)
    wait(f"node{s} standing by again", lambda: standby_ok(lab, s), 600)
    return result


def label(variant: str) -> str:
    return "recommended profile, deadtime 8" if variant == "recommended" else f"custom profile, {variant}"


def kills(lab: Lab, n: int, name: str, results: dict[str, list[dict[str, Any]]], save: Any) -> None:
    results[name] = []
    for _ in range(n):
        results[name].append(one_kill(lab))
        save()
        print(f"{name}: {results[name][-1]}", flush=True)


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    rows = ["| setup | kills | DRBD Primary | mounted | VIP | apache2 answers (time to service) |",
            "|---|---|---|---|---|---|"]
    for name, ms in results.items():
        def med(k: str, ms: list[dict[str, Any]] = ms) -> str:
            xs = [m[k] for m in ms if m.get(k) is not None]
            return f"{statistics.median(xs):.1f} ({min(xs):.1f}-{max(xs):.1f})" if xs else "-"
        rows.append(f"| {name} | {len(ms)} | " + " | ".join(med(k) for k in PHASES) + " |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="leave the lab running at the end")
    ap.add_argument("--variants", default="deadtime 5",
                    help="the wizard's Heartbeat timings, comma-separated, the first one compared with the "
                         f"hand-built pair (from: {', '.join(VARIANTS)})")
    args = ap.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        ap.error(f"unknown variant {', '.join(unknown) or '(none)'}: choose from {', '.join(VARIANTS)}")
    lab = Lab(name="bench")
    results: dict[str, list[dict[str, Any]]] = {}
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"baseline-{time.strftime('%Y%m%d-%H%M')}.json"
    cpus = Path("/proc/cpuinfo").read_text().count("processor\t:")

    def save() -> None:  # after every kill: a run cut short keeps what it measured
        path.write_text(json.dumps({"cpus": cpus, "date": time.strftime("%F %T %Z"), "results": results}, indent=1))

    try:
        lab.up(fresh=True)
        built = handbuilt.build(lab)
        print(f"hand-built pair in {sum(built.values()):.0f} s", flush=True)
        kills(lab, args.kills, "hand-built (tutorial files, deadtime 5)", results, save)
        lab.up(fresh=True)
        install_on_node1(lab, build_wheelhouse(lab.lab_dir / "wheelhouse"))
        fp = lab.host_key_fingerprint(2)
        for i, name in enumerate(variants):
            if i and serving_safe(lab) != 1:  # apply expects the master to hold everything
                soft_drill(lab, fp, "back")
            lab.ssh(1, f"cat > {ANSWERS}", input=answers(VARIANTS[name]))
            confirms = "" if i else confirm_args(plan_json(lab, fp))
            rc, out = run_wizard(lab, f"apply --answers {ANSWERS} --yes {confirms}", fp, timeout=1800)
            if rc != 0:
                raise RuntimeError(out[-3000:])
            if i:  # Heartbeat reads ha.cf only when it starts
                restart_heartbeat(lab)
            kills(lab, args.kills, f"ha-wizard ({label(name)})", results, save)
    finally:
        save()
        print(f"measurements: {path}")
        if not args.keep:
            lab.down()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
