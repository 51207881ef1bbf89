"""Initial DRBD sync throughput against the replication link, measured in the same run (lab VMs).

    .venv/bin/python benchmarks/sync_throughput.py [--disk-mib 256] [--runs 2] [--keep]

Boots its own lab instance ("bench"), measures the node1 → node2 link with ``wizard.drbd.linkspeed`` (the
method ha-wizard uses), writes the DRBD config exactly as ha-wizard renders it from that measurement
(``ctx.facts["link_rate"]``), then times full syncs: the first one after ``primary --force``, the next
ones after ``invalidate-remote`` (again a full sync of the whole device). Each variant also overrides the
resync options at run time (``drbdadm disk-options``) to compare with ha-wizard's choice. The sync is
timed inside node1 by a python sampler reading /proc/drbd (no process per sample: under TCG each fork
costs the single vCPU that DRBD needs). Goal: sync throughput >= 90 % of the link.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.core.answers import load_answers  # noqa: E402
from wizard.core.plan import PlanContext  # noqa: E402
from wizard.core.secrets import Secrets  # noqa: E402
from wizard.drbd import render  # noqa: E402
from wizard.drbd.linkspeed import measure_link  # noqa: E402
from wizard.executors.ssh import SshExecutor  # noqa: E402
from wizard.lab import Lab  # noqa: E402

SAMPLER = r"""
import json, re, subprocess, sys, time
t0 = time.monotonic()
subprocess.run(sys.argv[1:], check=True)
started, out = False, []
while True:
    t = time.monotonic() - t0
    s = open("/proc/drbd").read()
    cs = re.search(r"cs:(\w+)", s).group(1)
    oos = int(re.search(r"oos:(\d+)", s).group(1))
    out.append((round(t, 3), cs, oos))
    started = started or cs.startswith(("Sync", "WFBitMap", "StartingSync"))
    if started and cs == "Connected" and "ds:UpToDate/UpToDate" in s:
        break
    if t > 900:
        break
    time.sleep(0.2)
print(json.dumps(out))
"""

# name -> resync options given at run time (None: ha-wizard's rendered config as is)
VARIANTS: dict[str, dict[str, str] | None] = {
    "ha-wizard config": None,
    "fill 1M": {"c-fill-target": "1M"},
    "fill 1M, start at the cap": {"resync-rate": "{cap}", "c-fill-target": "1M"},
    "fixed rate at the cap": {"resync-rate": "{cap}", "c-plan-ahead": "0"},
    # the measured link is itself noisy (perl over one TCP stream, 3 s): a cap above it leaves the link,
    # not the cap, as the limit
    "cap 1.5x link": {"c-max-rate": "{cap15}"},
    "cap 2x link": {"c-max-rate": "{cap2}"},
}
# The partition's own speed in each VM (before DRBD uses it; writing zeros keeps it blank): a sync can
# go no faster than node1 reads and node2 writes, whatever the link.
DISK_READ = "dd if=/dev/vdb1 of=/dev/null bs=1M iflag=direct 2>&1 | tail -1"
DISK_WRITE = "dd if=/dev/zero of=/dev/vdb1 bs=1M oflag=direct 2>&1 | tail -1"


def executor(lab: Lab, n: int, kh: Path) -> SshExecutor:
    kh.write_text("".join(lab.known_hosts_line(i) + "\n" for i in (1, 2)))
    return SshExecutor(f"node{n}", "127.0.0.1", port=lab.ssh_port(n), known_hosts=kh, identity=str(lab.ssh_key))


def configure(lab: Lab, link_bytes_s: float) -> tuple[str, str]:
    spec, _ = load_answers(ROOT / "examples" / "lab.toml")
    spec = dataclasses.replace(spec, drbd=dataclasses.replace(spec.drbd, sync_rate=""))
    ctx = PlanContext(spec=spec, secrets=Secrets("bench-secret-0123456789abcdef", "k" * 32), drbd_family="8.4",
                      facts={"link_rate": int(link_bytes_s)})
    for n in (1, 2):
        for f in render.drbd_files(ctx, f"node{n}"):
            lab.ssh(n, f"cat > {f.path}", input=f.content)
    rate = render.resync_rate(ctx)
    return rate.max, f"resync-rate {rate.start}, c-max-rate {rate.max}, c-fill-target {rate.fill_target}"


def sync(lab: Lab, action: list[str]) -> dict[str, Any]:
    samples = json.loads(lab.ssh(1, ["python3", "-c", SAMPLER, *action], timeout=1200).stdout)
    size_kib = int(lab.ssh(1, "cat /sys/block/drbd0/size").stdout) // 2
    total = next(o for _, cs, o in samples if cs.startswith("Sync")) or size_kib
    t_start = next(t for t, cs, _ in samples if cs.startswith("Sync"))
    t_end = samples[-1][0]
    # steady state: from 90 % left to 10 % left, past the controller's ramp and the tail
    hi_t, hi_o = next((t, o) for t, _, o in samples if o <= total * 0.9)
    lo_t, lo_o = next((t, o) for t, _, o in samples if o <= total * 0.1)
    steady = (hi_o - lo_o) / 1024 / (lo_t - hi_t) if lo_t - hi_t >= 1.0 else size_kib / 1024 / t_end
    return {"size_mib": size_kib / 1024, "secs_from_command": t_end, "secs_syncing": t_end - t_start,
            "mib_s": size_kib / 1024 / t_end, "steady_mib_s": steady}


def dd_mib_s(out: str) -> float:
    """dd's summary line, e.g. "268435456 bytes (268 MB, 256 MiB) copied, 9.1 s, 29.5 MB/s"."""
    m = re.search(r"^(\d+) bytes .* copied, ([\d.]+) s", out, re.M)
    return int(m.group(1)) / 1048576 / float(m.group(2)) if m else 0.0


def measure(lab: Lab, *, runs: int, only: list[str], say: Any = print) -> list[dict[str, Any]]:
    """The measurements on a booted lab whose data partitions are blank (DRBD is left up on them)."""
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        n1, n2 = executor(lab, 1, Path(tmp) / "kh"), executor(lab, 2, Path(tmp) / "kh")
        try:
            read, write = dd_mib_s(lab.ssh(1, DISK_READ).stdout), dd_mib_s(lab.ssh(2, DISK_WRITE).stdout)
            say(f"partition: node1 reads {read:.1f} MiB/s, node2 writes {write:.1f} MiB/s (O_DIRECT)")
            results.append({"disk_read_mib_s": read, "disk_write_mib_s": write})
            for n in (1, 2):
                lab.ssh(n, "modprobe drbd")
            configure(lab, 100 << 20)  # any valid config, to create the metadata and connect
            for n in (1, 2):
                lab.ssh(n, "drbdadm create-md r0 </dev/null && drbdadm up r0")
            lab.ssh(1, "for i in $(seq 60); do grep -q cs:Connected /proc/drbd && exit 0; sleep 1; done; exit 1")
            first = True
            for name, opts in VARIANTS.items():
                if only and name not in only:
                    continue
                for run in range(runs):
                    # the link now, then ha-wizard's config from it (as render writes it), then the variant
                    link = measure_link(n1, n2, "10.99.0.2", [7789, 7790], seconds=3)
                    cap, rendered = configure(lab, link.bytes_per_s)
                    lab.ssh(1, "drbdadm adjust r0")
                    if opts:
                        caps = {"cap": cap, "cap15": f"{int(link.bytes_per_s * 1.5) >> 10}K",
                                "cap2": f"{int(link.bytes_per_s * 2) >> 10}K"}
                        args = " ".join(f"--{k}={v.format(**caps)}" for k, v in opts.items())
                        lab.ssh(1, f"drbdadm disk-options {args} r0")
                    action = ["drbdadm", "primary", "--force", "r0"] if first else \
                        ["drbdadm", "invalidate-remote", "r0"]
                    first = False
                    r = sync(lab, action)
                    link_mib = link.bytes_per_s / 1048576
                    r |= {"variant": name, "run": run + 1, "link_mib_s": link_mib, "config": rendered,
                          "ratio": r["mib_s"] / link_mib, "steady_ratio": r["steady_mib_s"] / link_mib}
                    results.append(r)
                    say(f"{name:<28} run {run + 1}: link {link_mib:5.1f} MiB/s ({rendered}); "
                        f"{r['size_mib']:.0f} MiB in {r['secs_from_command']:5.1f} s = {r['mib_s']:5.1f} MiB/s "
                        f"({r['ratio']:.0%}); steady {r['steady_mib_s']:5.1f} MiB/s ({r['steady_ratio']:.0%})")
        finally:
            n1.close()
            n2.close()
    return results


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--disk-mib", type=int, default=256)
    ap.add_argument("--runs", type=int, default=2, help="syncs per variant")
    ap.add_argument("--keep", action="store_true", help="leave the lab running")
    ap.add_argument("--only", action="append", default=[], help="run only this variant (repeatable)")
    a = ap.parse_args()
    lab = Lab(name="bench", data_disk_mib=a.disk_mib)
    print(f"booting the lab 'bench' ({a.disk_mib} MiB data disks) ...", flush=True)
    lab.up(fresh=True)
    try:
        results = measure(lab, runs=a.runs, only=a.only, say=lambda line: print(line, flush=True))
    finally:
        if not a.keep:
            lab.down()
    out = lab.lab_dir / "sync_throughput.json"
    out.write_text(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "results": results}, indent=1))
    print(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
