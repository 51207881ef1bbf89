"""Running a drill: find who serves, arm the watcher on the other node, start the writer, cause the event
(hand over, or ask the admin to power the serving node off), read the watcher's result back, check the
nodes' real state and keep the report.

Works from either node. For a power cut the wizard is best run on the node that takes over (it then reports
at once); run on the node that is powered off, it dies with it, and ``result()`` reads the measurement back
later (the watcher and its result live on the other node).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wizard.core.actions import Check, Confirm
from wizard.core.conditions import Conditions
from wizard.core.engine import Confirmer
from wizard.errors import ConfirmationRequired, WizardError
from wizard.executors.base import Executor
from wizard.executors.result import Result
from wizard.failover import watcher, writer
from wizard.failover.result import Measurement, live_lines, measure, report, summary
from wizard.failover.stack import Stack, Target

DRILLS = "drills"  # under the state dir (/var/lib/ha-wizard) of each node
RECORDS_DIR = ".ha-wizard-drill"
REPORT = "failover-report.md"
POWER_OFF_WAIT_S = 600.0  # how long a hard drill waits for the serving node to die
POLL_MARK = "@@ha-wizard-result"
# The watcher's progress so far, then its result once written (an atomic rename: whole or absent). Read-only.
POLL = f'cat -- "$1" 2>/dev/null; printf "\\n{POLL_MARK}\\n"; cat -- "$2" 2>/dev/null; exit 0'


@dataclass
class Drill:
    executors: dict[str, Executor]
    preferred: str  # the master in the answers (where resources live normally)
    addresses: dict[str, str]  # node -> replication address
    here: str  # the node this wizard runs on
    target: Target
    stack: Stack
    conditions: Conditions
    services: Sequence[tuple[str, Check]] = ()
    state_dir: str = "/var/lib/ha-wizard"
    settings: str = ""  # the timing in words, for the report
    say: Callable[[str], None] = print
    watch_s: float = 300.0  # how long the watcher waits for a hand-over to complete
    sleep: Callable[[float], None] = time.sleep
    notes: list[str] = field(default_factory=list)

    # --- who serves ---------------------------------------------------------------------------------
    def _eval(self, node: str, cond: tuple[str, tuple[str, ...]]) -> tuple[bool, str]:
        r = self.executors[node].probe(list(self.stack.probe))
        v = self.conditions.evaluate(cond[0], r, cond[1])
        return v.ok, v.state

    def roles(self) -> tuple[str, str]:
        """(serving node, standing-by node), or a plain error when the pair is not in that shape."""
        states = {n: (self._eval(n, self.stack.active), self._eval(n, self.stack.standby)) for n in self.executors}
        serving = [n for n, (act, _) in states.items() if act[0]]
        standing = [n for n, (_, sb) in states.items() if sb[0]]
        if len(serving) == 1 and len(standing) == 1:
            return serving[0], standing[0]
        said = "; ".join(f"{n}: {act[1]}" for n, (act, _) in states.items())
        raise WizardError(f"a drill needs one node serving and the other standing by, and this pair is not: "
                          f"{said}. Run `ha-wizard status`, fix what it shows, then try again")

    def _synced(self, node: str) -> None:
        argv = (["drbdsetup", "status", "--json", self.target.resource] if self.target.family == "9"
                else ["cat", "/proc/drbd"])
        v = self.conditions.evaluate("drbd-synced", self.executors[node].probe(argv), (str(self.target.minor),))
        if not v.ok:
            raise WizardError(f"{node}'s DRBD is not connected and in sync ({v.state}): a takeover now would run "
                              "on data that is not up to date. Wait for the resync (`ha-wizard status`)")

    # --- the drill ------------------------------------------------------------------------------------
    def consent(self, mode: str, source: str, target: str) -> Confirm:
        """What a drill takes away, named after the node that gives it up (the token to type)."""
        how = (f"you then cut {source}'s power and {target} takes over once {self.stack.name} declares it dead"
               if mode == "hard"
               else f"{source} hands them over to {target}")
        return Confirm(source, f"the {mode} drill takes the disk, the service address {self.target.vip} and the "
                               f"services away from {source}: clients wait until {target} serves them ({how})")

    def run(self, mode: str, *, writes: bool | None = None, confirm: Confirmer | None = None) -> Measurement | None:
        """The drill, once ``confirm`` grants the consent that names the serving node (without it, refused
        before anything moves: a drill interrupts the service like any destructive step)."""
        source, target = self.roles()
        if mode == "back" and source == self.preferred:
            raise WizardError(f"{source} already holds everything: there is nothing to fail back")
        self._synced(target)
        c = self.consent(mode, source, target)
        if confirm is None or not confirm(c, source):
            raise ConfirmationRequired(f"not confirmed: {c.message}. Type '{c.token}' when asked, or pass "
                                       f"--confirm {c.token} when running headless")
        writes = mode == "hard" if writes is None else writes
        drill_id = time.strftime("%Y%m%d-%H%M%S")
        base = f"{self.state_dir}/{DRILLS}/{drill_id}"
        records = f"{self.target.mount_point}/{RECORDS_DIR}/records" if writes else ""
        cfg = watcher.WatcherConfig(
            out=f"{base}.json", state=f"{base}.state", listen=self.addresses[target], peer=self.addresses[source],
            log=self.stack.log, minor=self.target.minor, device=self.target.device,
            mount_point=self.target.mount_point, vip=self.target.vip, family=self.target.family,
            resource=self.target.resource, timeout=POWER_OFF_WAIT_S + self.watch_s if mode == "hard" else self.watch_s,
            go=f"{base}.go" if mode != "hard" else "", records=records, progress=f"{base}.progress",
            detect=self.stack.detect,
            services=tuple(watcher.ServiceProbe(n, c.probe, c.until, c.args) for n, c in self.services))
        tex, sex = self.executors[target], self.executors[source]
        self.say(f"Arming the watcher on {target} (it measures the takeover there) ...")
        self._must(tex.run(list(watcher.start_argv(cfg, f"{base}.log"))), target, "start the watcher")
        port = self._listening(tex, cfg.state)
        meta = {"id": drill_id, "mode": mode, "source": source, "target": target, "out": cfg.out,
                "settings": self.settings}
        if writes:
            self._must(sex.run(["mkdir", "-p", f"{self.target.mount_point}/{RECORDS_DIR}"]), source,
                       "create the records directory")
            self._must(sex.run(list(writer.start_argv(records, self.addresses[target], port, POWER_OFF_WAIT_S))),
                       source, "start the writer")
            self._acks_flowing(tex, cfg)
        if mode == "hard":
            # Kept where this wizard runs: if that is the node about to die, `--result` finds it later.
            self.executors[self.here].make_dir(f"{self.state_dir}/{DRILLS}", 0o700)
            self.executors[self.here].write_file(f"{self.state_dir}/{DRILLS}/last.json", json.dumps(meta))
            self.executors[self.here].run(["sync"])  # the rename too: this node may lose power next
            self.say(f"Now cut {source}'s power (pull the plug, or stop the VM; in the ha-wizard lab: "
                     f"`ha-wizard lab kill {source.removeprefix('node')}` on the host). Waiting up to "
                     f"{POWER_OFF_WAIT_S:.0f} s for the takeover on {target} ...")
            if self.here == source:
                self.say(f"This wizard runs on {source} and stops with it: afterwards run `ha-wizard "
                         f"failover-test --result` (on {target}, or on {source} once it is back).")
        else:
            self._must(tex.run(["touch", cfg.go]), target, "mark the event")
            self.say(f"{source} hands everything over to {target} ({' '.join(self.stack.standby_argv[-2:])}) ...")
            self._must(sex.run(list(self.stack.standby_argv), timeout=120), source, "hand the resources over")
        raw = self._wait_result(tex, cfg.out, cfg.timeout + 30, progress=cfg.progress)
        return self.finish(meta, raw)

    def _must(self, r: Result, node: str, what: str) -> Result:
        if r.rc != 0:
            said = (r.text.strip().splitlines() or [f"exit {r.rc}"])[-1]
            raise WizardError(f"could not {what} on {node}: {said}")
        return r

    def _listening(self, ex: Executor, state: str) -> int:
        for _ in range(120):
            text = ex.read_file(state)
            if text:
                return int(json.loads(text)["port"])
            self.sleep(0.5)
        raise WizardError(f"the watcher did not start on {ex.node} (python3 missing?); see {state[:-6]}.log there")

    def _acks_flowing(self, ex: Executor, cfg: watcher.WatcherConfig) -> None:
        """The writer is connected to the watcher: the cut will land mid-stream of acknowledged writes."""
        for _ in range(60):
            if json.loads(ex.read_file(cfg.state) or "{}").get("writer"):
                self.sleep(2.0)  # a few hundred records acknowledged before the event
                return
            self.sleep(0.5)
        raise WizardError(f"the writer on the serving node never reached the watcher on {ex.node} (a firewall "
                          f"between the replication addresses?); run the drill with --no-writes")

    def _wait_result(self, ex: Executor, out: str, timeout: float, *, progress: str = "") -> dict[str, Any]:
        """Poll the watcher once a second: one read-only probe over the node's connection gives its progress
        (each new phase said as it happens) and, at the end, its result."""
        end = time.monotonic() + timeout
        shown = 0
        while time.monotonic() < end:
            if progress:
                r = ex.probe(["sh", "-c", POLL, "sh", progress, out])
                phases, _, text = r.out.partition(f"\n{POLL_MARK}\n")
                lines, shown = live_lines(phases, shown, ex.node)
                for line in lines:
                    self.say(line)
            else:
                text = ex.read_file(out) or ""
            if text.strip():
                data: dict[str, Any] = json.loads(text)
                return data
            self.sleep(1.0)
        raise WizardError(f"no result from the watcher on {ex.node} within {timeout:.0f} s (see {out[:-5]}.log "
                          "there): was the serving node powered off?")

    # --- afterwards -------------------------------------------------------------------------------------
    def finish(self, meta: dict[str, Any], raw: dict[str, Any]) -> Measurement:
        source, target = meta["source"], meta["target"]

        def judge(until: str, args: tuple[str, ...], rc: int, out: str) -> bool:
            return self.conditions.evaluate(until, Result(rc, out, ""), tuple(args)).ok

        m = measure(raw, mode=meta["mode"], source=source, target=target, stack=self.stack.name,
                    detect=self.stack.detect, services=[(n, c.until, c.args) for n, c in self.services],
                    judge=judge)
        final = self.final_state(source, target, meta["mode"])
        m = Measurement(m.mode, m.source, m.target, m.stack, m.event, m.phases, m.rto, m.writes, m.log,
                        (*m.notes, *self.notes))
        text = report(m, settings=meta.get("settings", ""), final=final)
        path = f"{self.state_dir}/{REPORT}"
        here = self.executors[self.here]
        here.make_dir(f"{self.state_dir}/{DRILLS}", 0o700)
        here.write_file(path, (here.read_file(path) or "# ha-wizard failover drills\n\n") + text, mode=0o600)
        here.write_file(f"{self.state_dir}/{DRILLS}/{meta['id']}.measure.json",
                        json.dumps({**m.to_json(), "id": meta["id"], "settings": meta.get("settings", ""),
                                    "log": m.log, "final": final}), mode=0o600)
        self.say(summary(m) + "\n" + "\n".join(f"  {f}" for f in final) + f"\nReport appended to {path} on "
                 f"{self.here}.")
        return m

    def result(self) -> Measurement:
        """The last hard drill's measurement, read back from the node that took over."""
        meta = last_drill(self.executors[self.here], self.state_dir)
        raw = self._wait_result(self.executors[meta["target"]], meta["out"], 60)
        return self.finish(meta, raw)

    def final_state(self, source: str, target: str, mode: str) -> list[str]:
        out = []
        ok, state = self._eval(target, self.stack.active)
        svc = [(n, self.conditions.evaluate(c.until, self.executors[target].probe(list(c.probe)), c.args).ok)
               for n, c in self.services]
        out.append(f"{target} {'SERVES' if ok else 'does NOT serve'}: {state}"
                   + "".join(f"; {n} {'answers' if good else 'does NOT answer'}" for n, good in svc))
        try:
            if mode == "hard" and not self.executors[source].probe(["true"], timeout=10).ok:
                raise WizardError("down")
            ok, state = self._eval(source, self.stack.standby)
            out.append(f"{source} {'stands by' if ok else 'is NOT standing by'}: {state}")
        except WizardError:
            out.append(f"{source}: not reachable (powered off; once back it rejoins as the standby)")
        return out


def last_drill(ex: Executor, state_dir: str) -> dict[str, Any]:
    text = ex.read_file(f"{state_dir}/{DRILLS}/last.json")
    if not text:
        raise WizardError(f"no drill recorded in {state_dir}/{DRILLS} on {ex.node}: run `ha-wizard failover-test "
                          "--hard` first")
    meta: dict[str, Any] = json.loads(text)
    return meta
