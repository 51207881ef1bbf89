"""A plan of harmless steps under a temp dir, run through the real engine: local + SSH executors.

Run as a script by the SSH tier (so it can be killed with SIGKILL mid-run and resumed):
    python harmless_plan.py --port P --identity KEY --known-hosts F --root DIR --journal DIR [--pause S]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from wizard.core.actions import Check, Confirm, MakeDir, Prompt, Run, Step, Symlink, WriteFile  # noqa: E402
from wizard.core.engine import Engine  # noqa: E402
from wizard.core.events import EventBus, StepFinished  # noqa: E402
from wizard.core.journal import Journal  # noqa: E402
from wizard.core.secrets import Redactor  # noqa: E402
from wizard.executors.local import LocalExecutor  # noqa: E402
from wizard.executors.ssh import SshExecutor  # noqa: E402
from wizard.flow.registry import conditions

SECRET = "s3cr3t-value-never-logged-0123456789"
ANSWER = "proceed-7f3a"  # typed into the prompt; must never reach a log

# A stand-in for drbdadm's confirmation: asks on its tty and refuses piped answers, like drbd-utils.
ASKER = r"""
if [ ! -t 0 ]; then echo "stdin not a TTY, not waiting for confirmation"; exit 1; fi
echo "Do you really want to overwrite the existing meta-data?"
printf "[need to type 'yes' to confirm] "
read -r ans
[ "$(printf %%s "$ans" | sha256sum | cut -c1-16)" = "%s" ] || { echo "Operation cancelled."; exit 1; }
echo "answered" > "$1"
echo "New drbd meta data block successfully created."
"""


def plan(root: str, pause: float) -> list[Step]:
    p = f"{root}/peer"
    m = f"{root}/master"
    asker = ASKER % hashlib.sha256(ANSWER.encode()).hexdigest()[:16]
    return [
        Step("dirs@master", "t", "directories on the master", "master", (MakeDir(m),)),
        Step("dirs@peer", "t", "directories on the peer", "peer", (MakeDir(p), MakeDir(f"{p}/etc"))),
        Step("conf@peer", "t", "a config file", "peer",
             (WriteFile(f"{p}/etc/app.conf", "setting = 1\n", mode=0o644),)),
        Step("secret@peer", "t", "a secret file", "peer",
             (WriteFile(f"{p}/etc/authkeys", f"auth 1\n1 sha1 {SECRET}\n", mode=0o600, secret=True),)),
        Step("prompt@peer", "t", "a command that asks through its tty", "peer",
             (Run(("sh", "-c", asker, "sh", f"{p}/answered"),
                  prompts=(Prompt("[need to type 'yes' to confirm]", ANSWER,
                                  confirm=Confirm("peer:/dev/fake", "overwrite fake metadata")),)),),
             checks=(Check(("cat", f"{p}/answered"), "output-contains", ("answered",)),)),
        Step("slow@peer", "t", "a slow command", "peer",
             (Run(("sh", "-c", f"sleep {pause}; echo done > {p}/slow.done")),),
             checks=(Check(("cat", f"{p}/slow.done"), "output-contains", ("done",)),)),
        Step("link@peer", "t", "a symlink", "peer", (Symlink(f"{p}/current", f"{p}/etc"),)),
        Step("conf@master", "t", "a file on the master", "master",
             (WriteFile(f"{m}/hosts", "10.0.0.1 a\n10.0.0.2 b\n"),)),
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    for a in ("--port", "--identity", "--known-hosts", "--root", "--journal"):
        ap.add_argument(a, required=True)
    ap.add_argument("--pause", type=float, default=0.0)
    ap.add_argument("--log", default="")
    a = ap.parse_args()
    peer = SshExecutor("peer", "127.0.0.1", port=int(a.port), identity=a.identity, known_hosts=a.known_hosts)
    executors = {"master": LocalExecutor("master"), "peer": peer}
    bus = EventBus()
    log = open(a.log, "a") if a.log else None  # noqa: SIM115
    red = Redactor([SECRET])

    def show(ev: object) -> None:
        line = red(repr(ev))
        print(line, flush=True)
        if log:
            log.write(line + "\n")
            log.flush()

    bus.subscribe(show)
    engine = Engine(executors, Journal.open(a.journal), redactor=red,
                    confirm=lambda c, host: c.token == "peer:/dev/fake", bus=bus,
                    conditions=conditions())
    try:
        summary = engine.run(plan(a.root, a.pause))
    finally:
        peer.close()
    print(f"SUMMARY done={len(summary.done)} skipped={len(summary.skipped)}", flush=True)
    bus.publish(StepFinished("all", "done"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
