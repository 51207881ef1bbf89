"""Helpers for the TUI tests: a Core with fixed facts (so screens and snapshots do not depend on this
machine) and a bounded wait on conditions (never a bare sleep).

Nothing here contacts any address: the peer is "not contacted" or scripted, and the Run screen's engine
is a script that publishes the events the real engine publishes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from screens.app import WizardApp
from screens.core import Core
from wizard.core.events import Output, StepFinished, StepStarted, WaitProgress
from wizard.disks.table import DiskTable, NodeDisks, PartitionRow
from wizard.errors import StepFailed
from wizard.nodes.discover import LinkSpeed
from wizard.nodes.login import HostKeys, LoginCheck
from wizard.services.table import ServiceRow, ServicesTable

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = str(ROOT / "examples" / "tutorial.toml")
GIB = 1024**3
# Snapshots show the journal dir: a fixed path keeps them identical from run to run.
SNAP_JOURNAL = "/tmp/ha-wizard-tui-snapshots"


class FakeCore(Core):
    """The real Core, minus anything that depends on this machine or reaches a node."""

    def __init__(self) -> None:
        self.applied: list[list[str]] = []
        self.fail_once: set[str] = set()  # step ids that fail on their first run
        self.progress_steps: set[str] = {"wait-sync"}
        self.hold: Callable[[], None] | None = None  # called mid-sync (tests pause the engine there)
        self.login_ok = False
        self.keys_known = False
        self.installed: list[tuple[str, str]] = []
        self.pair: Any = None  # the PairState a watch shows (None: the real opening, which refuses the demo)
        self.watches: list[FakePair] = []
        self.drills: list[FakeDrill] = []
        self.drill_error = ""  # the sentence the next drill fails with ("" = it passes)
        self.serving = ["server1", "server2"]  # (serving, standing by): each drill swaps them

    def local_name(self) -> str:
        return "server1"

    # the peer, scripted
    def scan_peer(self, host: str, port: int, known_hosts: str | None) -> HostKeys:
        if host == "10.9.9.9":
            return HostKeys(host, port, (), (), False, f"no SSH server answered at {host}:{port}: check the "
                                                       "address and port, and that sshd runs on the peer")
        return HostKeys(host, port, (f"{host} ssh-ed25519 AAAAfake",),
                        ("SHA256:fakeFingerPrintForTests0123456789abcdefABC (ED25519)",), self.keys_known)

    def trust(self, keys: Any, known_hosts: str | None) -> None:
        self.keys_known = True

    def check_login(self, host: str, port: int, user: str, known_hosts: str | None) -> LoginCheck:
        if self.login_ok:
            return LoginCheck(True, f"logged in to {user}@{host} with this machine's key; it calls itself "
                                    "'server2' (uname -n)", "server2")
        return LoginCheck(False, f"{user}@{host} refused this machine's key (Permission denied): install the "
                                 "key on the peer (you type its password once)")

    def install_key(self, host: str, port: int, user: str, password: str, known_hosts: str | None) -> LoginCheck:
        self.installed.append((host, "<password given>" if password else ""))
        self.login_ok = True
        return LoginCheck(True, f"installed id_ed25519.pub for {user}@{host}; the password was used once and "
                                "not kept")

    # read-only facts, fixed
    def probe_session(self, st: Any, ask: Any) -> Any:
        return self.review_session(st, ask, draft=True)

    def disks(self, session: Any) -> DiskTable:
        m, p = self.roles(session)
        return DiskTable((
            NodeDisks(m, (PartitionRow(m, "/dev/sda1", 20 * GIB, "Linux", "ext4", "mounted on /"),
                          PartitionRow(m, "/dev/sda5", 8 * GIB, "Linux"),
                          PartitionRow(m, "/dev/sdb1", 4 * GIB, "Linux", "ext3")),),
            NodeDisks(p, (PartitionRow(p, "/dev/sda1", 20 * GIB, "Linux", "ext4", "mounted on /"),
                          PartitionRow(p, "/dev/sda5", 8 * GIB, "Linux"),
                          PartitionRow(p, "/dev/sdb1", 2 * GIB, "Linux")),),
        ))

    def names(self, session: Any) -> dict[str, str | None]:
        return {"master": "server1", "peer": "server2"}

    def services(self, session: Any) -> ServicesTable:
        m, p = self.roles(session)
        return services_table(m, p)

    def link(self, session: Any, address: str) -> LinkSpeed:
        return LinkSpeed("eth1", 1000, "37M", "eth1 runs at 1000 Mb/s: about 30% of it is 37M")

    def review_session(self, st: Any, ask: Any, draft: bool = False) -> Any:
        from wizard.core.answers import draft_spec
        from wizard.executors.dryrun import DryRunExecutor
        from wizard.flow.session import Options, session_for

        spec = draft_spec(st.raw) if draft else st.spec()
        s = session_for(spec, st.given(), Options(dry_run=True, journal_dir=st.journal_dir), connect=False)
        s.executors = {n.name: DryRunExecutor(n.name, None, "not contacted in tests") for n in spec.nodes}
        s.notes.append(f"{spec.peer_node.name}: not contacted — not contacted in tests")
        return s

    # the pair, live: a fixed state, read through the real refresh loop (``Core.watch``)
    def open_watch(self, answers: str, st: Any, ask: Any) -> Any:
        if self.pair is None:
            return super().open_watch(answers, st, ask)
        self.watches.append(FakePair(self.pair))
        return self.watches[-1]

    # the failover drill, stubbed at the flow boundary: what it says, then its measurement
    def open_drill(self, answers: str, st: Any, ask: Any, say: Any) -> Any:
        self.drills.append(FakeDrill(say, self.drill_error, self.serving))
        return self.drills[-1]

    # the run, scripted: the same events the engine publishes, the same confirmations, a failure
    def run_session(self, st: Any, ask: Any) -> Any:
        return self.review_session(st, ask)

    def apply(self, session: Any, prepared: Any, steps: list[Any], confirm: Any, bus: Any) -> Any:
        from wizard.core.engine import RunSummary
        from wizard.errors import ConfirmationRequired

        self.applied.append([s.id for s in steps])
        out = RunSummary()
        for s in steps:
            bus.publish(StepStarted(s.id, s.title, s.host))
            if not s.implemented:
                bus.publish(StepFinished(s.id, "not-implemented", "coming later"))
                out.not_implemented.append(s.id)
                continue
            first = {}  # a tool asks one of its prompts: one question per token, like a real run
            for c in s.confirmations:
                first.setdefault(c.token, c)
            for c in first.values():
                if not confirm(c, s.host):
                    bus.publish(StepFinished(s.id, "failed", "not confirmed"))
                    raise ConfirmationRequired(f"not confirmed: {c.message}. Type '{c.token}' when asked")
            bus.publish(Output(s.id, s.host, f"$ {s.title}"))
            if s.id in self.fail_once:
                self.fail_once.discard(s.id)
                bus.publish(Output(s.id, s.host, "mount: /replicated: special device /dev/drbd0 does not exist"))
                bus.publish(StepFinished(s.id, "failed", "mount failed"))
                raise StepFailed(f"{s.title} on {s.host}: `mount /replicated` exited 32. Check that DRBD is "
                                 "Primary here (cat /proc/drbd), then retry.")
            if s.kind in self.progress_steps:
                for pct in (2.3, 41.0):
                    bus.publish(WaitProgress(s.id, s.host, "initial sync", 10, 3600, pct, 10_836 * 1024,
                                             283, "SyncSource"))
                if self.hold:
                    self.hold()
            bus.publish(StepFinished(s.id, "done"))
            out.done.append(s.id)
        return out


class FakePair:
    """A watch that reads a fixed PairState; counts its reads and whether it was closed."""

    def __init__(self, state: Any) -> None:
        self.state, self.reads, self.closed = state, 0, False

    def read(self) -> Any:
        self.reads += 1
        return self.state

    def close(self) -> None:
        self.closed = True


class FakeDrill:
    """The drill's surface the screen uses: roles, run (speaking as the real one does), the executors closed."""

    def __init__(self, say: Any, error: str, serving: list[str]) -> None:
        self.say, self.error, self.runs, self.executors = say, error, [], {}  # type: ignore[var-annotated]
        self.serving = serving  # the pair's, shared by every drill of a test
        self.release: Any = None  # a threading.Event the hard drill waits on ("the power cut")

    def roles(self) -> tuple[str, str]:
        return self.serving[0], self.serving[1]

    def run(self, mode: str, *, confirm: Any = None) -> Any:
        from wizard.core.actions import Confirm
        from wizard.errors import ConfirmationRequired, WizardError
        from wizard.failover.result import Measurement, Phase, live_lines

        src, dst = self.serving
        if confirm is None or not confirm(Confirm(src, f"the {mode} drill takes the service away from {src}"), src):
            raise ConfirmationRequired(f"not confirmed: pass --confirm {src} when running headless")
        self.runs.append(mode)
        self.say(f"Arming the watcher on {dst} (it measures the takeover there) ...")
        if self.error:
            raise WizardError(self.error)
        if mode == "hard":
            self.say(f"Now cut {src}'s power (pull the plug, or stop the VM). Waiting up to 600 s for the "
                     f"takeover on {dst} ...")
            if self.release is not None:
                self.release.wait(10)
        else:
            self.say(f"{src} hands everything over to {dst} (hb_standby all) ...")
        phases = (Phase("detection", 0.4), Phase("DRBD Primary", 1.2), Phase("mounted", 1.5),
                  Phase("service address up", 1.9), Phase("apache2 answering", 3.1))
        # each phase as the watcher appends it, said live through the real formatter
        keys = ("detection", "promote", "mount", "ip", "service:apache2")
        progress = "".join(f'{{"phase": "{k}", "t": {100 + p.seconds}, "event": 100}}\n'
                           for k, p in zip(keys, phases, strict=True))
        for ln in live_lines(progress, 0, dst)[0]:
            self.say(ln)
        writes = {"acked": 812, "present": 815, "missing_count": 0, "missing": []} if mode == "hard" else None
        m = Measurement(mode, src, dst, "Heartbeat", f"{src} asked to hand everything over", phases, 3.1, writes)
        self.serving.reverse()
        return m


def pair_fixture(*, split_brain: bool = False) -> Any:
    """server1 serving (Primary, the disk, the address, apache2 answering), server2 standing by; or both
    StandAlone after a logged split-brain."""
    from wizard.core.actions import Check
    from wizard.executors.result import Result
    from wizard.flow import registry
    from wizard.heartbeat.pair_state import Watched, node_state, pair_state
    from wizard.services.health import CONNECT

    w = Watched("r0", 0, "/dev/drbd0", "/replicated", "192.168.1.5", "server1", (
        ("apache2", Check(("timeout", "5", "bash", "-c", CONNECT, "health", "80"), "service-answers", ("port 80",))),))
    cs = "StandAlone" if split_brain else "Connected"
    peer_ds = "DUnknown" if split_brain else "UpToDate"

    def probe(roles: str, mounted: bool, vip: bool, holds: str, answers: bool) -> Result:
        return Result(0, f"@@ha-wizard:drbd\nversion: 8.4.11 (api:1/proto:86-101)\n 0: cs:{cs} ro:{roles} "
                         f"ds:UpToDate/{peer_ds} C r-----\n    ns:0 nr:0 dw:0 dr:0 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 "
                         "ep:1 wo:f oos:0\n@@ha-wizard:mounts\n"
                         + ("/dev/drbd0 /replicated ext3 rw 0 0\n" if mounted else "")
                         + "@@ha-wizard:addr\n"
                         + ("2: eth0    inet 192.168.1.5/24 scope global secondary eth0\n" if vip else "")
                         + "@@ha-wizard:hb\nHeartbeat is running on this machine.\nrc=0\n"
                         + f"@@ha-wizard:rsc\n{holds}\nrc=0\n"
                         + ("@@ha-wizard:klog\nblock drbd0: Split-Brain detected but unresolved, dropping "
                            "connection!\n" if split_brain else "")
                         + f"@@ha-wizard:health apache2\n{'' if answers else 'Connection refused'}\n"
                         + f"rc={0 if answers else 1}\n")

    c = registry.conditions()
    other = "Primary/Unknown" if split_brain else "Secondary/Primary"
    return pair_state([node_state("server1", probe("Primary/" + ("Unknown" if split_brain else "Secondary"),
                                                   True, True, "all", True), w, c),
                       node_state("server2", probe(other, split_brain, False, "all" if split_brain else "none",
                                                   False), w, c)], w)


def services_table(m: str, p: str) -> ServicesTable:
    """Three recipes on both nodes (sendmail running on the slave, PostgreSQL at two versions), the rest not."""
    rows = (
        ServiceRow("apache2", "Apache web server", True, ("/etc/apache2", "/var/www"), 900, (), "on both nodes"),
        ServiceRow("bind9", "BIND DNS server", False, ("/etc/bind",), None, (), f"not on {m} and {p}"),
        ServiceRow("postgresql", "PostgreSQL", True, ("/etc/postgresql/15/main", "/var/lib/postgresql/15/main"),
                   40_000, (f"postgresql 15+248 on {m} but 16+257 on {p}: install the same version on both",),
                   "on both nodes"),
        ServiceRow("sendmail", "Sendmail mail server", True, ("/etc/mail", "/var/mail", "/var/spool/mqueue",
                                                              "/var/spool/mqueue-client"), 620,
                   (f"sendmail is running on {p}: it is stopped for the move",
                    "relay for mail while the disk is elsewhere: msmtp"), "on both nodes"),
    )
    return ServicesTable((m, p), rows, room_kib=30_000)


async def until(pilot: Any, cond: Callable[[], Any], timeout: float = 10.0, what: str = "") -> None:
    """Wait (bounded) until ``cond()`` is true, letting the app process its messages meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if cond():
                return
        except Exception:  # a widget not mounted yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or cond}")
        await pilot.pause(0.02)


def text_of(app: WizardApp, selector: str) -> str:
    """The plain text a Static shows."""
    w = app.screen.query_one(selector)
    return str(w.render()) if not hasattr(w, "content") else str(w.content)


def screen_text(app: WizardApp) -> str:
    """Everything the current screen shows, as plain text (for asserting on sentences)."""
    from textual.widgets import Static

    return "\n".join(text_of_widget(w) for w in app.screen.query(Static))


def text_of_widget(w: Any) -> str:
    c = getattr(w, "content", None)
    return str(c) if c is not None else str(w.render())


def local_answers(tmp_path: Path) -> str:
    """The tutorial's answers made real (no demo) on loopback addresses; the fake core contacts nothing."""
    text = Path(TUTORIAL).read_text()
    text = text.replace("demo = true\n", "").replace("192.168.1.1", "127.0.0.1")
    text = text.replace("192.168.1.2", "127.0.0.2").replace("192.168.1.5", "127.0.0.5")
    text = text.replace("netmask = 24", "netmask = 8")
    p = tmp_path / "local.toml"
    p.write_text(text)
    return str(p)


async def goto(app, pilot, name: str) -> None:
    app.go(name)
    await until(pilot, lambda: name == app.screen.NAME and app.screen.ready, what=f"screen {name}")
