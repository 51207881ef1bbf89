"""Nodes: how this machine (the master) reaches the peer over SSH; host key check; key installation."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from screens.base import WizardScreen
from screens.looks import line
from screens.state import as_int


class NodesScreen(WizardScreen):
    NAME = "nodes"
    HELP = (
        "The wizard runs on the master and drives the peer (the slave) over SSH as root, with a key.\n\n"
        "Check SSH (F5) fetches the peer's host key and shows its fingerprint. Compare it with the one the "
        "peer prints for `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`: if they match, you are "
        "talking to the right machine. Then it logs in with this machine's key.\n\n"
        "Install key (F6) runs ssh-copy-id: you type the peer's root password once; it is not kept.\n\n"
        "What can go wrong: the address is wrong or sshd is not running (no SSH server answered), the "
        "peer refuses root logins, or a firewall blocks port 22."
    )
    BINDINGS = [*WizardScreen.BINDINGS,
                Binding("f5", "check", "Check SSH"), Binding("f6", "install_key", "Install key")]

    def body(self) -> Iterable[Widget]:
        yield Static(line("The two servers", "bold"), classes="title")
        yield Static(id="master-line")
        yield Static(line("The peer (slave): how this machine reaches it over SSH, as root.", "$text-muted"))
        with Horizontal(classes="row"):
            yield Label("SSH address", classes="label")
            yield Input(id="ssh", placeholder="the peer's IP address or host name", classes="wide-input")
        with Horizontal(classes="row"):
            yield Label("SSH port", classes="label")
            yield Input(id="port", type="integer", classes="short-input")
            yield Label("user", classes="label-short")
            yield Input(id="user", classes="short-input")
        with Horizontal(classes="row buttons"):
            yield Button("Check SSH (F5)", id="check")
            yield Button("Install key (F6)", id="install")
        yield Static(id="ssh-status")
        yield Static(id="peer-hint")

    def load(self) -> None:
        st = self.st
        self.say("#master-line", f"This machine, the master: {st.node('master').get('name') or '?'} "
                                 f"(`uname -n` here says '{self.wapp.core.local_name()}').")
        peer = st.node("peer")
        self.set_value("#ssh", peer.get("ssh") or peer.get("address"))
        self.set_value("#port", peer.get("ssh_port"))
        self.set_value("#user", peer.get("ssh_user"))
        for b in ("#check", "#install"):
            self.query_one(b, Button).disabled = st.demo
        if st.demo:
            self.say("#ssh-status", "The tutorial's example network (demo = true) is never contacted: the peer "
                                    "is shown as not contacted on every screen.", "$text-warning")
        elif st.dry_run:
            self.query_one("#install", Button).disabled = True
            self.say("#ssh-status", "Dry run: Check SSH is read-only (a host key you trust is kept for this "
                                    "run only); installing a key is not done.", "$text-muted")
        src = st.source_of("peer.ssh")
        self.note("#peer-hint", f"{peer.get('ssh')}: {src}. Check SSH (F5) to be sure it is the peer." if src else "",
                 "$text-muted")
        if not st.demo and not peer.get("ssh") and not peer.get("address") and "peer_hint" not in st.facts:
            self.note("#peer-hint", "Looking for the peer next to this machine (SSH port) …", "$text-muted")
            self.peer_worker()

    @work(thread=True, exclusive=True, group="discover")
    def peer_worker(self) -> None:
        app, st = self.wapp, self.st
        try:
            found = app.detached(app.core.suggest_peer)
        except Exception:
            found = []
        if app.quitting.is_set():
            return
        st.facts["peer_hint"] = found
        app.call_from_thread(self.use_peer_hint, found)

    def use_peer_hint(self, found: list[object]) -> None:
        """The one address next to this machine that answers SSH becomes the peer's address, unless the
        admin typed one meanwhile; several are listed for the admin to pick."""
        self.save()
        if len(found) == 1 and self.st.offer("peer.ssh", found[0]):
            self.load()
            return
        if found:
            listed = ", ".join(str(getattr(f, "value", f)) for f in found[:4])
            self.note("#peer-hint", f"These answer SSH next to this machine: {listed}", "$text-muted")
        else:
            self.note("#peer-hint", "")

    def save(self) -> None:
        self.mark_typed({"#ssh": "peer.ssh", "#port": "peer.ssh_port", "#user": "peer.ssh_user"})
        peer = self.st.node("peer")
        peer["ssh"] = self.value("#ssh")
        peer["ssh_port"] = as_int(self.value("#port"))
        peer["ssh_user"] = self.value("#user")

    def prefixes(self) -> list[str]:
        n = self.st.number("peer")
        return [f"nodes[{n}].ssh", "nodes: give exactly", "nodes: found"]

    def extra_problems(self) -> list[str]:
        if self.st.demo:
            return []
        peer = self.st.node("peer")
        host = peer.get("ssh") or peer.get("address") or ""
        bad = self.wapp.core.address_problem(str(host), peer.get("ssh_port"))
        return [bad] if bad else []

    def _target(self) -> tuple[str, int, str] | None:
        self.save()
        problems = self.problems()
        self.show_problems(problems)
        if problems:
            return None
        peer = self.st.node("peer")
        return str(peer.get("ssh") or peer.get("address")), int(peer["ssh_port"]), str(peer["ssh_user"])

    # --- Check SSH ------------------------------------------------------------------------------------
    def action_check(self) -> None:
        target = None if self.st.demo else self._target()
        if target:
            self.say("#ssh-status", f"Contacting {target[0]}:{target[1]} …", "$text-muted")
            self.check_worker(*target)

    def _trusted(self, host: str, port: int, user: str) -> bool:
        """(worker thread) Scan the host key and have the admin compare it, unless it is trusted already."""
        core, st, app = self.wapp.core, self.st, self.wapp
        keys = core.scan_peer(host, port, st.known_hosts)
        if keys.problem:
            app.call_from_thread(self.say, "#ssh-status", keys.problem, "$text-error")
            return False
        if not keys.known:
            if not app.ask_host_key(f"{user}@{host}:{port}", list(keys.fingerprints)):
                app.call_from_thread(self.say, "#ssh-status", "Host key not trusted: nothing was contacted "
                                     "beyond reading the key. Check the address.", "$text-warning")
                return False
            core.trust(keys, st.known_hosts)
        return True

    @work(thread=True, exclusive=True, group="ssh")
    def check_worker(self, host: str, port: int, user: str) -> None:
        from screens.app import QuitRequested

        try:
            self.wapp.detached(self._check, host, port, user)
        except QuitRequested:
            return

    def _check(self, host: str, port: int, user: str) -> None:
        core, st, app = self.wapp.core, self.st, self.wapp
        if not self._trusted(host, port, user):
            return
        result = core.check_login(host, port, user, st.known_hosts)
        app.call_from_thread(self.say, "#ssh-status", ("✓ " if result.ok else "✗ ") + result.message,
                             "$text-success" if result.ok else "$text-error")
        if result.ok and result.name:
            from wizard.nodes.discover import Found

            st.facts["peer_uname"] = result.name
            st.offer("peer.name", Found(result.name, "uname -n on the peer"))

    # --- Install key ------------------------------------------------------------------------------------
    def action_install_key(self) -> None:
        if self.st.demo or self.st.dry_run:
            self.say("#ssh-status", "Not in a dry run or the demo: installing a key changes the peer.", "$text-warning")
            return
        target = self._target()
        if not target:
            return
        from screens.modals import PasswordModal

        def got(pw: str | None) -> None:
            if pw:
                self.say("#ssh-status", f"Running ssh-copy-id for {target[2]}@{target[0]} …", "$text-muted")
                self.install_worker(*target, pw)

        self.app.push_screen(PasswordModal(f"{target[2]}@{target[0]}"), got)

    @work(thread=True, exclusive=True, group="ssh")
    def install_worker(self, host: str, port: int, user: str, password: str) -> None:
        from screens.app import QuitRequested

        try:
            self.wapp.detached(self._install, host, port, user, password)
        except QuitRequested:
            return
        finally:
            password = ""

    def _install(self, host: str, port: int, user: str, password: str) -> None:
        if not self._trusted(host, port, user):
            return
        result = self.wapp.core.install_key(host, port, user, password, self.st.known_hosts)
        password = ""
        self.wapp.call_from_thread(self.say, "#ssh-status", ("✓ " if result.ok else "✗ ") + result.message,
                                   "$text-success" if result.ok else "$text-error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "check":
            event.stop()
            self.action_check()
        elif event.button.id == "install":
            event.stop()
            self.action_install_key()
        else:
            super().on_button_pressed(event)
