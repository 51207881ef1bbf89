"""A plan of harmless steps under a temp dir, run through the real engine: local + SSH executors.

Run as a script by the SSH tier (so it can be killed with SIGKILL mid-run and resumed):
    python harmless_plan.py --port P --identity KEY --known-hosts F --root DIR --journal DIR [--pause S]
        [--hold POINT] [--confirm-delay S]

``--hold`` stops the run at one point, prints ``HOLD`` and waits there (to be killed):
    before:STEP / after:STEP   the boundary before a step starts / after it is recorded done
    in:mkdir / in:symlink      the directory or link is made on the host, the step not yet recorded
    in:write:NAME              half of NAME's content has reached the host (a file or an edited block)
    in:run                     the slow command runs
    in:prompt                  the tool's prompt is on screen, the answer not typed yet
    in:wait                    a wait is polling
Exit status: 0 when the plan went through; a WizardError prints "ha-wizard: <sentence>" on stderr and
exits with its code (3 for a lost peer).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from wizard.core import actions as act  # noqa: E402
from wizard.core.engine import Engine  # noqa: E402
from wizard.core.events import EventBus, Output, StepFinished, StepStarted, WaitProgress  # noqa: E402
from wizard.core.journal import Journal  # noqa: E402
from wizard.core.secrets import Redactor  # noqa: E402
from wizard.errors import WizardError  # noqa: E402
from wizard.executors.base import _WRITE, Executor, Result  # noqa: E402
from wizard.executors.local import LocalExecutor  # noqa: E402
from wizard.executors.ssh import SshExecutor  # noqa: E402
from wizard.flow.registry import conditions  # noqa: E402

SECRET = "s3cr3t-value-never-logged-0123456789"
ANSWER = "proceed-7f3a"  # typed into the prompt; must never reach a log
# ~2.6 MB by default: long enough on a slowed link for a cut to land inside it; the kill tests take less
BIG_LINES = int(os.environ.get("HARMLESS_BIG_LINES", "120000"))

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
# Starts a sleeper detached from the SSH session (it outlives a dropped link or a killed sshd, as a
# daemon started by a tool would), which marks the thing a later wait waits for.
BACKGROUND = ('touch "$1/bg.started"; (setsid sh -c "sleep $2; echo ready > \\"$1/ready\\"" '
              '</dev/null >/dev/null 2>&1 &)')


def big_content() -> str:
    return "".join(f"line {i:07d} of a large file\n" for i in range(BIG_LINES))


def plan(root: str, pause: float) -> list[act.Step]:
    p = f"{root}/peer"
    m = f"{root}/master"
    asker = ASKER % hashlib.sha256(ANSWER.encode()).hexdigest()[:16]
    return [
        act.Step("dirs@master", "t", "directories on the master", "master", (act.MakeDir(m),)),
        act.Step("dirs@peer", "t", "directories on the peer", "peer", (act.MakeDir(p), act.MakeDir(f"{p}/etc"))),
        act.Step("conf@peer", "t", "a config file", "peer",
             (act.WriteFile(f"{p}/etc/app.conf", "setting = 1\n", mode=0o644),)),
        act.Step("secret@peer", "t", "a secret file", "peer",
             (act.WriteFile(f"{p}/etc/authkeys", f"auth 1\n1 sha1 {SECRET}\n", mode=0o600, secret=True),)),
        act.Step("big@peer", "t", "a large file", "peer", (act.WriteFile(f"{p}/etc/big.txt", big_content()),)),
        act.Step("prompt@peer", "t", "a command that asks through its tty", "peer",
             (act.Run(("sh", "-c", asker, "sh", f"{p}/answered"),
                  prompts=(act.Prompt("[need to type 'yes' to confirm]", ANSWER,
                                  confirm=act.Confirm("peer:/dev/fake", "overwrite fake metadata")),)),),
             checks=(act.Check(("cat", f"{p}/answered"), "output-contains", ("answered",)),)),
        act.Step("slow@peer", "t", "a slow command", "peer",
             (act.Run(("sh", "-c", f"sleep {pause}; echo done > {p}/slow.done")),),
             checks=(act.Check(("cat", f"{p}/slow.done"), "output-contains", ("done",)),)),
        act.Step("bg@peer", "t", "a background job", "peer", (act.Run(("sh", "-c", BACKGROUND, "sh", p, str(pause))),),
             checks=(act.Check(("ls", f"{p}/bg.started"), "output-contains", ("bg.started",)),)),
        act.Step("wait@peer", "t", "waiting for the job", "peer",
             (act.WaitFor(("cat", f"{p}/ready"), "output-contains", ("ready",), timeout=120, interval=0.2,
                      what="the job's mark"),),
             checks=(act.Check(("cat", f"{p}/ready"), "output-contains", ("ready",)),)),
        act.Step("link@peer", "t", "a symlink", "peer", (act.Symlink(f"{p}/current", f"{p}/etc"),)),
        act.Step("conf@master", "t", "a file on the master", "master",
             (act.WriteFile(f"{m}/hosts", "10.0.0.1 a\n10.0.0.2 b\n"),)),
        act.Step("block@master", "t", "a block in the admin's file", "master",
             (act.EditBlock(f"{m}/fstab", "/dev/drbd0 /replicated ext4 noauto 0 0"),)),
    ]


def hold(why: str) -> None:
    print(f"HOLD {why}", flush=True)
    while True:
        time.sleep(60)


class Holding:
    """Executor mixin: stops inside make_dir, symlink, or halfway through a file's upload."""

    hold_at = ""

    def make_dir(self, path: str, mode: int = 0o755) -> None:
        super().make_dir(path, mode)  # type: ignore[misc]
        if self.hold_at == "in:mkdir":
            hold(f"mkdir {path}")

    def symlink(self, path: str, target: str) -> None:
        super().symlink(path, target)  # type: ignore[misc]
        if self.hold_at == "in:symlink":
            hold(f"symlink {path}")

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        name = self.hold_at.removeprefix("in:write:")
        if self.hold_at.startswith("in:write:") and len(argv) > 3 and argv[2] == _WRITE and \
                argv[4].endswith("/" + name) and input is not None:
            proc = self.start(argv)  # the real write command, given half of its content, then nothing
            data = input.encode()
            assert proc.stdin is not None
            proc.stdin.write(data[: len(data) // 2])
            proc.stdin.flush()
            hold(f"write {argv[4]}")
        return super()._exec(argv, input=input, timeout=timeout, env=env)  # type: ignore[misc]

    def start(self, argv: Sequence[str]) -> Any:
        raise NotImplementedError


class HoldingLocal(Holding, LocalExecutor):
    def start(self, argv: Sequence[str]) -> Any:
        return subprocess.Popen(list(argv), stdin=subprocess.PIPE)


class HoldingSsh(Holding, SshExecutor):
    def start(self, argv: Sequence[str]) -> Any:
        return self.machine.popen([shlex.join(list(argv))])


def main() -> int:
    ap = argparse.ArgumentParser()
    for a in ("--port", "--identity", "--known-hosts", "--root", "--journal"):
        ap.add_argument(a, required=True)
    ap.add_argument("--pause", type=float, default=0.0)
    ap.add_argument("--log", default="")
    ap.add_argument("--hold", default="")
    ap.add_argument("--confirm-delay", type=float, default=0.0)
    a = ap.parse_args()
    Holding.hold_at = a.hold
    try:
        peer = HoldingSsh("peer", "127.0.0.1", port=int(a.port), identity=a.identity, known_hosts=a.known_hosts)
    except WizardError as e:
        print(f"ha-wizard: {e}", file=sys.stderr, flush=True)
        return e.exit_code
    executors: dict[str, Executor] = {"master": HoldingLocal("master"), "peer": peer}
    bus = EventBus()
    log = open(a.log, "a") if a.log else None  # noqa: SIM115
    red = Redactor([SECRET])

    def show(ev: object) -> None:
        line = red(repr(ev))
        print(line, flush=True)
        if log:
            log.write(line + "\n")
            log.flush()
        if isinstance(ev, StepStarted) and a.hold == f"before:{ev.step_id}" or \
                isinstance(ev, StepFinished) and a.hold == f"after:{ev.step_id}" or \
                isinstance(ev, WaitProgress) and a.hold == "in:wait":
            hold(a.hold)
        if isinstance(ev, Output) and ev.step_id == "slow@peer" and ev.text.startswith("$ ") and a.hold == "in:run":
            threading.Timer(0.5, print, ("HOLD in:run",), {"flush": True}).start()  # the command is running

    def confirm(c: act.Confirm, host: str) -> bool:
        print(f"ASKING {c.token}", flush=True)  # a person reads the prompt ...
        if a.hold == "in:prompt":
            hold("in:prompt")
        time.sleep(a.confirm_delay)  # ... and takes a moment to type
        return c.token == "peer:/dev/fake"

    bus.subscribe(show)
    engine = Engine(executors, Journal.open(a.journal), redactor=red, confirm=confirm, bus=bus,
                    conditions=conditions())
    try:
        summary = engine.run(plan(a.root, a.pause))
    except WizardError as e:
        print(f"ha-wizard: {e}", file=sys.stderr, flush=True)
        return e.exit_code
    finally:
        peer.close()
    print(f"SUMMARY done={len(summary.done)} skipped={len(summary.skipped)}", flush=True)
    bus.publish(StepFinished("all", "done"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
