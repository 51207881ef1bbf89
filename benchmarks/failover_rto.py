"""Hard-failover RTO on the lab VMs, as the wizard's own drill measures it, per Heartbeat timing variant.

    flock /tmp/ha-wizard-lab.lock .venv/bin/python benchmarks/failover_rto.py [--drills 3] [--keep]
    flock /tmp/ha-wizard-lab.lock .venv/bin/python benchmarks/failover_rto.py --stacks [--drills 3]

Boots its own lab instance ("bench"), installs the wizard on node1 (the wheelhouse of the lab tier), applies
examples/lab.toml with apache2, then for each variant runs DRILLS power cuts (the harness kills the serving
VM's qemu) with ``ha-wizard failover-test --hard``, each measured by the wizard's watcher on the surviving
node, phases broken down (detection included). Variants: the recommended profile, deadtime 5 and deadtime 10
(custom); Heartbeat's own jitter under load (late beats); a graceful switchover and a failback. Prints a
Markdown table for docs/benchmarks.md and writes every measurement to benchmarks/results/failover-<date>.json.
With --stacks: the two cluster stacks on the same VMs in one run, DRILLS power cuts each (writer on: every
acknowledged write checked), detection matched (Corosync's token + consensus derived from Heartbeat's
deadtime, wizard.pacemaker.timing): examples/lab.toml with apache2 on Heartbeat, then the pair cleaned back
to blank disks and the image's files, tests/data/answers/lab-pacemaker.toml (the same pair on Pacemaker).
The hand-built baseline is benchmarks/failover_baseline.py (fresh VMs for each pair: rewriting a running
wizard pair's files by hand and restarting Heartbeat left node1 refusing to take the group back).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from tests.lab.wizard_on_node import (  # noqa: E402
    ANSWERS,
    WIZARD,
    build_wheelhouse,
    clean_pair,
    confirm_args,
    install_on_node1,
    plan_json,
    run_wizard,
    snapshot,
)
from wizard.lab import Lab  # noqa: E402

VIP = "10.99.0.100"
# deadtime 5 and 10 as custom profiles (Heartbeat's rules: warntime < deadtime, initdead >= 2 x deadtime,
# keepalive <= deadtime / 4)
VARIANTS: dict[str, dict[str, Any]] = {
    "recommended": {"profile": "recommended"},
    "deadtime 5": {"keepalive": 1, "warntime": 3, "deadtime": 5, "initdead": 10},
    "deadtime 10": {"keepalive": 2, "warntime": 6, "deadtime": 10, "initdead": 20},
}


def answers(variant: dict[str, Any]) -> str:
    text = (ROOT / "examples" / "lab.toml").read_text().replace("enabled = []", 'enabled = ["apache2"]')
    hb = "\n".join(f"{k} = {json.dumps(v)}" for k, v in variant.items())
    return re.sub(r'^profile = "recommended"$', hb, text, flags=re.M)


def serving(lab: Lab) -> int:
    for n in (1, 2):
        if lab.is_running(n) and f"inet {VIP}/" in lab.ssh(n, "ip -o addr", check=False, timeout=60).stdout:
            return n
    raise RuntimeError("no node holds the service address")


def wait(what: str, fn: Any, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not fn():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out: {what}")
        time.sleep(2)


def standby_ok(lab: Lab, n: int) -> bool:
    """Secondary, connected, UpToDate, no service address; on Heartbeat also holding no resource."""
    r = lab.ssh(n, "cl_status rscstatus 2>/dev/null || echo none; cat /proc/drbd; ip -o addr", check=False,
                timeout=60).stdout
    return (r.startswith("none") and "ro:Secondary/Primary ds:UpToDate/UpToDate" in r
            and f"inet {VIP}/" not in r)


def restart_heartbeat(lab: Lab) -> None:
    """New ha.cf/haresources: Heartbeat reads them only when it starts. Both stopped (standby first), then the
    master started alone until it serves, then the peer, which stands by."""
    s = serving_safe(lab) or 1
    lab.ssh(3 - s, "systemctl stop heartbeat", timeout=300)
    lab.ssh(s, "systemctl stop heartbeat", timeout=300)
    lab.ssh(1, "systemctl start heartbeat", timeout=120)
    wait("node1 serving", lambda: serving_safe(lab) == 1, 300)
    lab.ssh(2, "systemctl start heartbeat", timeout=120)
    try:
        wait("node2 standing by", lambda: standby_ok(lab, 2), 300)
    except RuntimeError:
        print(lab.ssh(2, "cl_status rscstatus; cat /proc/drbd; tail -20 /var/log/ha-log", check=False).stdout)
        raise


def serving_safe(lab: Lab) -> int:
    try:
        return serving(lab)
    except RuntimeError:
        return 0


def newest_measure(lab: Lab) -> dict[str, Any]:
    out = lab.ssh(1, "ls -t /var/lib/ha-wizard/drills/*.measure.json | head -1 | xargs cat", timeout=60).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def hard_drill(lab: Lab, fp: str) -> dict[str, Any]:
    s = serving(lab)
    log = "/root/bench-hard.log"
    lab.ssh(1, f"COLUMNS=160 nohup {WIZARD} failover-test --hard --confirm node{s} --answers {ANSWERS} "
               f"--accept-host-key {fp} > {log} 2>&1 < /dev/null &", timeout=60)
    wait("the drill armed", lambda: "Now cut" in lab.ssh(1, f"cat {log}", timeout=60).stdout, 300)
    lab.kill_hard(s)
    if s == 1:
        wait("node2 serving", lambda: serving_safe(lab) == 2, 300)
        lab.restart(1)
        rc, out = run_wizard(lab, f"failover-test --result --answers {ANSWERS}", fp, timeout=600)
    else:
        wait("the drill's report", lambda: "Report appended" in lab.ssh(1, f"cat {log}", timeout=60).stdout, 600)
        lab.restart(s)
    m = newest_measure(lab)
    wait(f"node{s} standing by again", lambda: standby_ok(lab, s), 600)
    return m


def late_beats(lab: Lab, fp: str, secs: float) -> dict[str, Any]:
    """Heartbeat's own jitter on these VMs: warntime 2 (keepalive 1) for SECS seconds of load (writes on the
    replicated disk, so DRBD replicates and the emulated CPUs are busy); every beat later than 2 s is logged
    by Heartbeat as "Late heartbeat: Node X: interval N ms"."""
    lab.ssh(1, f"cat > {ANSWERS}", input=answers({"keepalive": 1, "warntime": 2, "deadtime": 8, "initdead": 16}))
    rc, out = run_wizard(lab, f"apply --answers {ANSWERS} --yes", fp, timeout=1800)
    if rc != 0:
        raise RuntimeError(out[-3000:])
    restart_heartbeat(lab)
    for n in (1, 2):
        lab.ssh(n, ": > /var/log/ha-log")  # only what the loaded minutes log
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        lab.ssh(serving(lab), "dd if=/dev/urandom of=/replicated/load bs=1M count=32 conv=fsync 2>/dev/null; "
                              "rm -f /replicated/load", timeout=300)
    found = [int(x) for n in (1, 2) for x in re.findall(r"Late heartbeat: Node \S+: interval (\d+) ms",
                                                          lab.ssh(n, "cat /var/log/ha-log").stdout)]
    return {"seconds": round(time.monotonic() - t0), "late_beats_over_2s": len(found),
            "max_interval_ms": max(found, default=None)}


def soft_drill(lab: Lab, fp: str, mode: str) -> dict[str, Any]:
    # consent names the node that gives the service up: the one serving now
    rc, out = run_wizard(lab, f"failover-test --{mode} --confirm node{serving(lab)} --answers {ANSWERS}", fp,
                         timeout=600)
    if rc != 0:
        raise RuntimeError(out[-3000:])
    return newest_measure(lab)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drills", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="leave the lab running")
    ap.add_argument("--stacks", action="store_true", help="Heartbeat beside Pacemaker, same VMs, same run")
    args = ap.parse_args()
    if args.stacks:
        return compare_stacks(args.drills, args.keep)
    lab = Lab(name="bench")
    results: dict[str, list[dict[str, Any]]] = {}
    beats: dict[str, Any] = {}
    machine = Path("/proc/cpuinfo").read_text().count("processor\t:")
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"failover-{time.strftime('%Y%m%d-%H%M')}.json"

    def save() -> None:  # after every drill: a run cut short keeps what it measured
        path.write_text(json.dumps({"cpus": machine, "date": time.strftime("%F %T %Z"), "beats": beats,
                                    "results": results}, indent=1))

    def drills(name: str, fn: Any) -> None:
        results[name] = []
        for _ in range(args.drills):
            results[name].append(fn())
            save()
            print(f"{name}: RTO {results[name][-1]['rto']}", flush=True)
    try:
        lab.up(fresh=True)
        install_on_node1(lab, build_wheelhouse(lab.lab_dir / "wheelhouse"))
        fp = lab.host_key_fingerprint(2)
        lab.ssh(1, f"cat > {ANSWERS}", input=answers(VARIANTS["recommended"]))
        rc, out = run_wizard(lab, f"apply --answers {ANSWERS} --yes {confirm_args(plan_json(lab, fp))}", fp,
                             timeout=1800)
        if rc != 0:
            raise RuntimeError(out[-3000:])
        # Most wanted first (a run cut short keeps what it measured): the recommended profile, Heartbeat's
        # jitter, the wizard at deadtime 5 and 10, then graceful/failback.
        for name in ("recommended", "deadtime 5", "deadtime 10"):
            if serving_safe(lab) != 1:  # apply expects the master to hold the disk (it re-checks each step there)
                soft_drill(lab, fp, "back")
            if name != "recommended":  # the first apply set the recommended profile up already
                lab.ssh(1, f"cat > {ANSWERS}", input=answers(VARIANTS[name]))
                rc, out = run_wizard(lab, f"apply --answers {ANSWERS} --yes", fp, timeout=1800)
                if rc != 0:
                    raise RuntimeError(out[-3000:])
                restart_heartbeat(lab)
            drills(f"wizard, {name}", lambda: hard_drill(lab, fp))
            if name == "recommended":
                if serving(lab) != 1:
                    soft_drill(lab, fp, "back")
                beats.update(late_beats(lab, fp, 90))  # the numbers behind the recommended profile
                save()
        if serving(lab) != 1:
            soft_drill(lab, fp, "back")
        lab.ssh(1, f"cat > {ANSWERS}", input=answers(VARIANTS["recommended"]))
        run_wizard(lab, f"apply --answers {ANSWERS} --yes", fp, timeout=1800)
        restart_heartbeat(lab)
        results["graceful (recommended)"] = [soft_drill(lab, fp, "graceful")]
        results["failback (recommended)"] = [soft_drill(lab, fp, "back")]
        save()
    finally:
        save()
        print(f"measurements: {path}")
        if not args.keep:
            lab.down()
    print(table(results))
    return 0


STACKS = {"Heartbeat": answers(VARIANTS["recommended"]),
          "Pacemaker": (ROOT / "tests" / "data" / "answers" / "lab-pacemaker.toml").read_text()}


def detection_settings() -> str:
    """What each stack waits before it calls the peer dead, from the same profile (the answers' own)."""
    import tempfile

    from wizard.core.answers import load_answers
    from wizard.pacemaker.timing import totem

    with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
        f.write(STACKS["Pacemaker"])
        f.flush()
        spec, _ = load_answers(f.name)
    t = totem(spec.heartbeat)
    return (f"Heartbeat deadtime {spec.heartbeat.deadtime} s; Corosync token {t.token} ms + consensus "
            f"{t.consensus} ms = {t.detection_ms / 1000:.1f} s (profile {spec.heartbeat.profile})")


def compare_stacks(drills: int, keep: bool) -> int:
    """Both stacks on one pair in one run: apply, DRILLS hard drills (node1, node2, node1, ...), clean, next."""
    lab = Lab(name="bench")
    results: dict[str, list[dict[str, Any]]] = {}
    path = ROOT / "benchmarks" / "results" / f"stacks-{time.strftime('%Y%m%d-%H%M')}.json"
    path.parent.mkdir(exist_ok=True)
    settings = detection_settings()

    def save() -> None:
        path.write_text(json.dumps({"cpus": Path("/proc/cpuinfo").read_text().count("processor\t:"),
                                    "date": time.strftime("%F %T %Z"), "detection": settings,
                                    "results": results}, indent=1))
    try:
        lab.up(fresh=True)
        install_on_node1(lab, build_wheelhouse(lab.lab_dir / "wheelhouse"))
        snapshot(lab)  # the image's files, put back between the stacks (clean_pair)
        fp = lab.host_key_fingerprint(2)
        for i, (stack, text) in enumerate(STACKS.items()):
            if i:
                clean_pair(lab)
            lab.ssh(1, f"cat > {ANSWERS}", input=text)
            t0 = time.monotonic()
            rc, out = run_wizard(lab, f"apply --answers {ANSWERS} --yes {confirm_args(plan_json(lab, fp))}", fp,
                                 timeout=1800)
            if rc != 0:
                raise RuntimeError(out[-3000:])
            print(f"{stack}: applied in {time.monotonic() - t0:.0f} s", flush=True)
            name = f"{stack}, recommended"
            results[name] = []
            for _ in range(drills):
                m = hard_drill(lab, fp)
                results[name].append(m)
                save()
                w = m.get("writes") or {}
                print(f"{name}: RTO {m['rto']} (writes acked {w.get('acked')}, missing {w.get('missing_count')})",
                      flush=True)
    finally:
        save()
        print(f"measurements: {path}")
        if not keep:
            lab.down()
    print(settings)
    print(table(results))
    return 0


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    names = ["detection", "DRBD Primary", "mounted", "service address up", "apache2 answering"]
    lines = ["| variant | drills | " + " | ".join(names) + " | RTO (median, min-max) | acknowledged writes kept |",
             "|---" * (len(names) + 4) + "|"]
    for variant, ms in results.items():
        def med(key: str, ms: list[dict[str, Any]] = ms) -> str:
            vals = [m["phases"].get(key) for m in ms if m["phases"].get(key) is not None]
            return f"{statistics.median(vals):.1f}" if vals else "-"
        rtos = [m["rto"] for m in ms if m["rto"] is not None]
        rto = f"{statistics.median(rtos):.1f} ({min(rtos):.1f}-{max(rtos):.1f})" if rtos else "-"
        writes = [m["writes"] for m in ms if m.get("writes")]
        kept = (f"{sum(w['acked'] - w['missing_count'] for w in writes)} of {sum(w['acked'] for w in writes)}"
                if writes else "-")
        lines.append(f"| {variant} | {len(ms)} | " + " | ".join(med(k) for k in names) + f" | {rto} | {kept} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
