"""The screens' one door to the engine: every call into ``wizard`` goes through ``Core``.

Screens stay thin (they edit the draft and call these methods); tests swap in a Core whose facts are fixed
so snapshots do not depend on this machine. Heavy imports happen inside the methods, after first paint.
Methods that contact a node run in worker threads, never on the UI thread.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screens.state import WizardState

AskHostKey = Callable[[str, list[str]], bool]
DEFAULT_JOURNAL_DIR = "/var/lib/ha-wizard"


@dataclass(frozen=True)
class JournalView:
    exists: bool
    stopped_at: str = ""  # step id
    status: str = ""
    detail: str = ""
    host: str = ""
    answers: str = ""  # the answers file the journal names
    problem: str = ""  # the journal is unreadable: the sentence saying so
    pair_set_up: bool = False  # a run started Heartbeat: there is a pair to watch


@dataclass(frozen=True)
class PlanView:
    header: str
    text: str  # the whole plan with diffs, redacted (the dry-run)
    per_host: dict[str, str]
    steps: list[tuple[str, str, str, str, bool]]  # (id, kind, host, title, implemented)


class Core:
    # --- this machine and the starting draft --------------------------------------------------------
    def local_name(self) -> str:
        return os.uname().nodename.split(".")[0]

    def initial_state(self, *, dry_run: bool, answers: str | None, journal_dir: str | None) -> WizardState:
        from wizard.core import answers as answers_io
        from wizard.errors import AnswersError

        raw: dict[str, Any] | None = None
        problem = ""
        if answers:
            raw, problem = self.read_answers(answers)
            if raw is not None:
                try:
                    from wizard.core.spec import spec_from_dict

                    spec_from_dict(raw, source=answers)
                except AnswersError as e:
                    problem = str(e)
        if raw is None:  # a blank start: this machine is the master, everything else is still open
            me = self.local_name()
            raw = {"cluster": {"master": me}, "nodes": [{"name": me}, {}]}
        raw, given = answers_io.split_secrets(raw)
        defaulted = answers_io.defaulted_keys(raw)
        raw = answers_io.complete(raw)
        jd = journal_dir or str(raw["wizard"].get("journal_dir") or DEFAULT_JOURNAL_DIR)
        if journal_dir:
            raw["wizard"]["journal_dir"] = journal_dir  # a replay finds the same journal
        shared, auth = self.resolve_secrets(given, jd)
        st = WizardState(dry_run=dry_run, journal_dir=jd, raw=raw, shared_secret=shared, authkey=auth,
                         answers_source=answers or "", load_problem=problem, defaulted=defaulted)
        st.save_path = st.default_save_path()
        if dry_run:
            from wizard.nodes.login import dry_run_known_hosts

            st.known_hosts = dry_run_known_hosts()
        return st

    def read_answers(self, path: str) -> tuple[dict[str, Any] | None, str]:
        """The raw TOML of an answers file, or None and the CLI's sentence for why it is unreadable."""
        from wizard.core.answers import load_answers
        from wizard.errors import AnswersError

        try:
            return tomllib.loads(Path(path).read_text(encoding="utf-8")), ""
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            try:
                load_answers(path)
            except AnswersError as e:
                return None, str(e)
            return None, f"cannot read {path}"

    def resolve_secrets(self, given: Any, journal_dir: str) -> tuple[str, str]:
        from wizard.core import secrets as secrets_mod
        from wizard.core.spec import SecretsInAnswers
        from wizard.errors import WizardError

        try:
            s, _ = secrets_mod.resolve(given, journal_dir)
        except WizardError:
            s, _ = secrets_mod.resolve(SecretsInAnswers(), journal_dir)
        return s.shared_secret, s.authkey

    def new_secret(self) -> str:
        from wizard.core import secrets as secrets_mod

        return secrets_mod.generate().shared_secret

    def journal(self, journal_dir: str) -> JournalView:
        from wizard.core.journal import Journal
        from wizard.errors import WizardError

        try:
            j = Journal.open(journal_dir)
        except WizardError as e:
            return JournalView(True, problem=str(e))
        if not j.exists:
            return JournalView(False)
        last = j.last_stop()
        if last is None:
            return JournalView(True, answers=j.answers)
        sid, rec = last
        set_up = any(k.startswith("heartbeat-start@") and r.status == "done" for k, r in j.steps.items())
        return JournalView(True, sid, rec.status, rec.detail, rec.host, j.answers, pair_set_up=set_up)

    # --- the peer -----------------------------------------------------------------------------------
    def scan_peer(self, host: str, port: int, known_hosts: str | None) -> Any:
        from wizard.nodes.login import scan_peer

        return scan_peer(host, port, known_hosts)

    def trust(self, keys: Any, known_hosts: str | None) -> None:
        from wizard.nodes.login import trust_host_keys

        trust_host_keys(keys, known_hosts)

    def check_login(self, host: str, port: int, user: str, known_hosts: str | None) -> Any:
        from wizard.nodes.login import check_login

        return check_login(host, port, user, known_hosts=known_hosts)

    def install_key(self, host: str, port: int, user: str, password: str, known_hosts: str | None) -> Any:
        from wizard.nodes.login import install_key

        return install_key(host, port, user, password, known_hosts=known_hosts)

    def address_problem(self, host: str, port: Any) -> str:
        from wizard.nodes.login import address_problem

        return address_problem(host, port)

    # --- read-only facts (worker threads) -----------------------------------------------------------
    def _options(self, st: WizardState, ask: AskHostKey | None, *, dry_run: bool) -> Any:
        from wizard.flow.session import Options

        return Options(dry_run=dry_run, journal_dir=st.journal_dir, known_hosts=st.known_hosts,
                       ask_host_key=ask)

    def probe_session(self, st: WizardState, ask: AskHostKey | None) -> Any:
        """A dry-run Session over the draft as it stands, reused while the peer's address is the same."""
        from wizard.core.answers import draft_spec
        from wizard.flow.session import session_for

        key = st.peer_key()
        with st.lock:
            if st.probe is not None and st.probe_key == key:
                return st.probe
            if st.probe is not None:
                st.probe.close()
                st.probe = None
            session = session_for(draft_spec(st.raw), st.given(), self._options(st, ask, dry_run=True))
            st.probe, st.probe_key = session, key
            return session

    def roles(self, session: Any) -> tuple[str, str]:
        return session.spec.master, session.spec.peer_node.name

    def disks(self, session: Any) -> Any:
        from wizard.disks.table import gather

        return gather(session.executors, self.roles(session))

    def names(self, session: Any) -> dict[str, str | None]:
        from wizard.nodes.discover import node_name

        m, p = self.roles(session)
        return {"master": node_name(session.executors.get(m)), "peer": node_name(session.executors.get(p))}

    def suggest_peer(self) -> list[Any]:
        """(worker) Addresses next to this machine that answer SSH: candidates for the peer."""
        from wizard.nodes.discover import suggest_peer_from_here

        return suggest_peer_from_here()

    def discover(self, session: Any, peer_ssh: str) -> Any:
        """(worker) The replication link as the nodes see it: ``wizard.nodes.discover.Discovery``."""
        from wizard.nodes.discover import discover_link

        m, p = self.roles(session)
        return discover_link(session.executors.get(m), session.executors.get(p), peer_ssh, m)

    def suggest_vip(self, session: Any, address: str, prefix: int, nic: str, taken: list[str]) -> Any:
        """(worker) A VIP on the master's link that nothing answers on (ping and ARP), or None."""
        from wizard.nodes.discover import suggest_vip

        return suggest_vip(session.executors.get(session.spec.master), address, prefix, nic, taken)

    def services(self, session: Any) -> Any:
        """Every recipe on both nodes (read-only): installed, what it moves, warnings (``wizard.services.table``)."""
        from wizard.services.table import gather, room_kib

        facts = session.context.facts if session.context is not None else {}
        nf = facts.get(session.spec.master)
        size = nf.size_of(session.spec.master_node.disk) if nf is not None and hasattr(nf, "size_of") else None
        return gather(session.spec, session.executors, room_kib(size))

    def link(self, session: Any, address: str) -> Any:
        from wizard.nodes.discover import link_speed

        return link_speed(session.executors.get(session.spec.master), address)

    # --- the pair, live (worker threads) ----------------------------------------------------------------
    def resource_chain(self, st: WizardState) -> str:
        """haresources' line as these answers would write it; "" while they are not complete."""
        from wizard.core.plan import PlanContext
        from wizard.core.secrets import Secrets
        from wizard.errors import WizardError
        from wizard.heartbeat.render import haresources_line

        try:
            spec = st.spec()
        except WizardError:
            return ""
        return haresources_line(PlanContext(spec=spec, secrets=Secrets("", "")))

    def pair_answers(self, st: WizardState) -> str:
        """The answers of the pair to watch: the last run's (its journal), else the ones the wizard started
        from; "" when there are none."""
        j = self.journal(st.journal_dir)
        return j.answers if j.answers and not j.problem else st.answers_source

    def open_watch(self, answers: str, st: WizardState, ask: AskHostKey | None) -> Any:
        """This node and the peer over one SSH connection, read-only (``wizard.flow.watch.PairWatch``)."""
        from wizard.flow.watch import open_watch

        return open_watch(answers, self._options(st, ask, dry_run=True))

    def watch(self, pair: Any, show: Callable[[Any], None], stop: Any) -> None:
        """Refresh ``show(PairState)`` at most once a second until ``stop`` is set; then close the watch."""
        from wizard.flow.watch import watch

        try:
            watch(pair, show, stop=stop)
        finally:
            pair.close()

    # --- the failover drill (worker threads) ---------------------------------------------------------------
    def open_drill(self, answers: str, st: WizardState, ask: AskHostKey | None, say: Callable[[str], None]) -> Any:
        """``wizard.failover.drill.Drill`` for the pair: this node and the peer over one SSH connection."""
        from wizard.flow.drill import open_drill

        return open_drill(answers, self._options(st, ask, dry_run=False), say)

    def drill_roles(self, drill: Any) -> tuple[str, str]:
        """(the node serving, the one standing by), read-only; a plain error when the pair is not in shape."""
        return tuple(drill.roles())  # type: ignore[return-value]

    def run_drill(self, drill: Any, mode: str, typed: str) -> Any:
        """graceful | hard | back: the Measurement (phases, RTO, writes), the report appended on this node.
        ``typed``: the node name the admin typed on the Failover screen; the drill goes ahead only when it
        is the serving node's, the consent the drill asks for."""
        return drill.run(mode, confirm=lambda c, host: c.token == typed)

    def close_drill(self, drill: Any) -> None:
        for ex in drill.executors.values():
            ex.close()

    # --- the plan, the answers file, the run ----------------------------------------------------------
    def review_session(self, st: WizardState, ask: AskHostKey | None) -> Any:
        from wizard.flow.session import session_for

        return session_for(st.spec(), st.given(), self._options(st, ask, dry_run=True))

    def plan(self, st: WizardState, ask: AskHostKey | None) -> PlanView:
        from wizard.output.describe import describe_plan, header

        session = self.review_session(st, ask)
        try:
            steps = session.plan()
            title = ("DRY RUN — nothing will be changed. This is what would run:" if st.dry_run
                     else "The plan (nothing has run yet):")
            head = header(session, title)
            text = describe_plan(steps, session.executors, session.redactor, head)
            per_host = {}
            for host in self.roles(session):
                mine = [s for s in steps if s.host == host]
                per_host[host] = describe_plan(mine, session.executors, session.redactor,
                                               f"Steps on {host}, in plan order:\n")
            rows = [(s.id, s.kind, s.host, s.title, s.implemented) for s in steps]
        finally:
            session.close()
        return PlanView(head, text, per_host, rows)

    def save(self, st: WizardState) -> str:
        from wizard.core.answers import save_answers

        spec = st.spec()
        path = save_answers(spec, st.save_path, st.given() if st.keep_secrets else None)
        st.saved_to = str(path)
        return st.saved_to

    def run_session(self, st: WizardState, ask: AskHostKey | None) -> Any:
        from wizard.flow.session import session_for

        return session_for(st.spec(), st.given(), self._options(st, ask, dry_run=False))

    def prepare(self, session: Any) -> Any:
        from wizard.flow.runner import prepare

        return prepare(session)

    def apply(self, session: Any, prepared: Any, steps: list[Any], confirm: Any, bus: Any) -> Any:
        from dataclasses import replace

        from wizard.flow.runner import apply

        return apply(session, replace(prepared, steps=steps), confirm=confirm, bus=bus)

    def close(self, st: WizardState) -> None:
        with st.lock:
            if st.probe is not None:
                st.probe.close()
                st.probe = None
        if st.dry_run and st.known_hosts:
            with contextlib.suppress(OSError):
                os.unlink(st.known_hosts)
