"""The interactive wizard: one screen per tutorial step over the same core as the CLI.

Only textual and the Welcome screen load before first paint; every other screen, and every ``wizard``
module that reaches a node, is imported when it is first needed.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from screens.core import Core
from screens.state import WizardState

# (name, module, class, title): the flow. Heartbeat keeps its place for later work.
FLOW: list[tuple[str, str, str, str]] = [
    ("welcome", "screens.welcome", "WelcomeScreen", "Welcome"),
    ("nodes", "screens.nodes", "NodesScreen", "Nodes"),
    ("disks", "screens.disks", "DisksScreen", "Disks"),
    ("hosts", "screens.hosts", "HostsScreen", "Hosts"),
    ("drbd", "screens.drbd", "DrbdScreen", "DRBD tuning"),
    ("services", "screens.services", "ServicesScreen", "Services"),
    ("heartbeat", "screens.heartbeat", "HeartbeatScreen", "Cluster manager"),
    ("review", "screens.review", "ReviewScreen", "Review"),
    ("run", "screens.run", "RunScreen", "Run"),
    ("failover", "screens.failover", "FailoverScreen", "Failover test"),
    ("done", "screens.done", "DoneScreen", "Done"),
]
NAMES = [f[0] for f in FLOW]


class QuitRequested(Exception):
    """Raised in a worker thread when the admin quit: the run stops at the next event."""


def _light_terminal() -> bool:
    """COLORFGBG (set by many terminals) says 'fg;bg'; a bg of 7 or 15 is a light background."""
    bg = os.environ.get("COLORFGBG", "").split(";")[-1]
    return bg in ("7", "15")


class WizardApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "ha-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("ctrl+s", "status", "Status"),
    ]

    def __init__(self, *, dry_run: bool, answers: str | None, journal_dir: str | None,
                 core: Core | None = None) -> None:
        super().__init__()
        self.core = core or Core()
        self.dry_run = dry_run
        self._args = (answers, journal_dir)
        self.state: WizardState | None = None
        self.quitting = threading.Event()
        self.running_step = ""  # set by the Run screen while the engine works
        self._screens: dict[str, Screen[Any]] = {}
        self.theme = "textual-light" if _light_terminal() else "textual-dark"

    @property
    def st(self) -> WizardState:
        assert self.state is not None
        return self.state

    def on_mount(self) -> None:
        answers, journal_dir = self._args
        self.state = self.core.initial_state(dry_run=self.dry_run, answers=answers, journal_dir=journal_dir)
        self.push_screen(self._entering("welcome"))

    def on_unmount(self) -> None:
        self.quitting.set()  # questions waiting in worker threads give up; the run stops at its next event

    # --- the flow -----------------------------------------------------------------------------------
    def screen_for(self, name: str) -> Screen[Any]:
        if name not in self._screens:
            _, mod, cls, _ = FLOW[NAMES.index(name)]
            self._screens[name] = getattr(importlib.import_module(mod), cls)()
            self.install_screen(self._screens[name], name)  # kept (with its fields) when switched away
        return self._screens[name]

    def step_label(self, name: str) -> str:
        i = NAMES.index(name)
        return f"Step {i + 1} of {len(FLOW)}: {FLOW[i][3]}"

    def _entering(self, name: str) -> Screen[Any]:
        screen = self.screen_for(name)
        screen.entering = True  # type: ignore[attr-defined]
        screen.ready = False  # type: ignore[attr-defined]
        return screen

    def go(self, name: str) -> None:
        if self.screen_for(name) is not self.screen:
            self._entering(name)
            self.switch_screen(name)

    def go_next(self, current: str) -> None:
        self.go(NAMES[NAMES.index(current) + 1])

    def go_back(self, current: str) -> None:
        i = NAMES.index(current)
        if i > 0:
            self.go(NAMES[i - 1])

    # --- questions from worker threads ----------------------------------------------------------------
    def ask_from_thread(self, make: Callable[[], Screen[Any]]) -> Any:
        """Push a modal from a worker thread and block that thread until the admin answers."""
        answered = threading.Event()
        box: dict[str, Any] = {}

        def done(result: Any) -> None:
            box["result"] = result
            answered.set()

        self.call_from_thread(lambda: self.push_screen(make(), done))
        while not answered.wait(0.2):
            if self.quitting.is_set() or not self.is_running:
                raise QuitRequested()
        return box.get("result")

    def detached(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn`` (from a worker thread) in a daemon thread and wait for it, giving up when the admin
        quits. A worker must not outlive the app: asyncio waits for its executor's threads at exit, and a
        node may take minutes (mkfs) or never answer. The abandoned call ends with the process."""
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["result"] = fn(*args)
            except BaseException as e:  # handed to the waiting worker
                box["error"] = e

        t = threading.Thread(target=target, daemon=True, name=f"ha-wizard {getattr(fn, '__name__', 'call')}")
        t.start()
        while t.is_alive():
            t.join(0.1)
            if self.quitting.is_set():
                raise QuitRequested()
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def ask_host_key(self, label: str, prints: list[str]) -> bool:
        from screens.modals import HostKeyModal

        return bool(self.ask_from_thread(lambda: HostKeyModal(label, prints)))

    # --- the pair's status, over any screen -------------------------------------------------------------
    def action_status(self) -> None:
        from textual.screen import ModalScreen

        from screens.status import StatusScreen

        if isinstance(self.screen, StatusScreen | ModalScreen):  # a question waits for its answer first
            return
        self.push_screen(StatusScreen())

    # --- help, theme, quit ----------------------------------------------------------------------------
    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def action_quit(self) -> None:
        from screens.modals import QuitModal

        if isinstance(self.screen, QuitModal):
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.quitting.set()
                self.exit(0)

        self.push_screen(QuitModal(self.st.journal_dir if self.state else "", self.running_step), answer)


def run_app(*, dry_run: bool, answers: str | None, journal_dir: str | None) -> int:
    app = WizardApp(dry_run=dry_run, answers=answers, journal_dir=journal_dir)
    try:
        code = int(app.run() or 0)
    finally:
        app.quitting.set()
        if app.state is not None:
            app.core.close(app.state)
    running = app.running_step
    if running:
        # The engine's thread may be inside a command on a node: it is left to finish there. The journal
        # was saved after every step (atomically), and resume re-checks the nodes, so nothing is lost.
        print(f"ha-wizard: quit during '{running}'; the journal in {app.st.journal_dir} is kept. Run "
              "ha-wizard again (or `ha-wizard resume`) to continue; finished steps are checked on the "
              "nodes, not redone blindly.", file=sys.stderr)
    elif app.state is not None and app.state.outcome is not None and app.state.outcome.stopped:
        print(f"ha-wizard: stopped ({app.state.outcome.stopped}); the journal in {app.st.journal_dir} is "
              "kept: run ha-wizard again to resume.", file=sys.stderr)
    # Worker threads that still wait on a node (an SSH connect, a long command) must not hold the
    # terminal: give them a moment, then leave without waiting for them.
    deadline = time.monotonic() + 2.0
    for t in threading.enumerate():
        if t is not threading.main_thread() and not t.daemon:
            t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
