"""DRBD tuning: protocol, resync rate (with the measured link speed), net timeouts, the shared secret
(generated, masked), handlers and skip-initial-sync — each field with its explanation."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from screens.base import WizardScreen
from screens.looks import line
from screens.state import as_int

MASK = "********"
# (key, label, explanation); integer fields are typed as numbers
INT_FIELDS = [
    ("port", "Port", "TCP port DRBD replicates on (one per resource); open it between the servers."),
    ("timeout", "Net timeout", "Tenths of a second without an answer before the peer counts as dead "
                               "(tutorial: 120 = 12 s)."),
    ("connect_int", "Connect every", "Seconds between attempts to reach a disconnected peer."),
    ("ping_int", "Ping every", "Seconds of silence before DRBD pings the peer."),
    ("ko_count", "ko-count", "Give up on a peer stuck this many timeouts in a row (0 = never)."),
]
PROTOCOLS = [("C: write done when both disks have it (safest)", "C"),
             ("B: done when the peer has received it", "B"),
             ("A: done when sent (fastest, may lose writes)", "A")]


class DrbdScreen(WizardScreen):
    NAME = "drbd"
    HELP = (
        "These are the settings of the tutorial's /etc/drbd.conf (Listing 1). The defaults are safe.\n\n"
        "Protocol C waits for both disks: no acknowledged write is lost when the master dies.\n"
        "Resync rate caps the first sync and later resyncs so the service keeps bandwidth: about 30% of "
        "the replication link (the measured speed is shown when the link is known). Empty = measure.\n"
        "The shared secret authenticates the two servers to each other (cram-hmac). It is generated, "
        "shown as ********, kept in a root-only state file, and written to the answers file only if you "
        "tick the box. F7 makes a new one.\n"
        "Handlers: with fencing 'dopd' Heartbeat keeps an outdated node from becoming Primary; the "
        "split-brain mail goes to the address given.\n"
        "Skip initial sync: only for brand-new, blank partitions on both servers; otherwise the slave "
        "would hold garbage that DRBD thinks is good."
    )
    BINDINGS = [*WizardScreen.BINDINGS, Binding("f7", "new_secret", "New secret")]

    def body(self) -> Iterable[Widget]:
        yield Static(line("DRBD settings (tutorial Listing 1)", "bold"), classes="title")
        yield from self.field("Protocol", Select(PROTOCOLS, id="protocol", allow_blank=False),
                              "How long a write waits for the peer.")
        yield from self.field("Resync rate", Input(id="sync_rate", placeholder="10M", classes="short-input"),
                              "")
        yield Static(id="link", classes="explain")
        for key, label, why in INT_FIELDS:
            yield from self.field(label, Input(id=key, type="integer", classes="short-input"), why)
        with Horizontal(classes="row"):
            yield Label("Shared secret", classes="label")
            yield Static(MASK, id="secret", classes="secret")
            yield Button("New (F7)", id="new-secret")
        yield Checkbox("Keep the secrets in the saved answers file", id="keep-secrets")
        yield Static(line("Off: they stay in the root-only state file beside the journal.", "$text-muted"),
                     classes="explain")
        yield from self.field("Fencing", Select([("none", "none"), ("dopd (with Heartbeat)", "dopd")],
                                                id="fencing", allow_blank=False),
                              "Keeps an outdated node from being promoted.")
        yield from self.field("Split-brain mail", Input(id="split_brain_notify", classes="short-input"),
                              "Who is told when both servers were Primary at once.")
        yield Checkbox("Skip the initial sync (blank new partitions only)", id="skip_initial_sync")
        yield Static(id="skip-note", classes="explain")

    def field(self, label: str, widget: Widget, why: str) -> Iterable[Widget]:
        with Horizontal(classes="row"):
            yield Label(label, classes="label")
            yield widget
        if why:
            yield Static(line(why, "$text-muted"), classes="explain")

    def load(self) -> None:
        d = self.st.raw["drbd"]
        if d.get("protocol") in ("A", "B", "C"):
            self.query_one("#protocol", Select).value = d["protocol"]
        if d.get("fencing") in ("none", "dopd"):
            self.query_one("#fencing", Select).value = d["fencing"]
        for key in ["sync_rate", "split_brain_notify", *(k for k, _, _ in INT_FIELDS)]:
            self.set_value(f"#{key}", d.get(key))
        self.query_one("#skip_initial_sync", Checkbox).value = d.get("skip_initial_sync") is True
        self.query_one("#keep-secrets", Checkbox).value = self.st.keep_secrets
        self.query_one("#secret", Static).update(MASK if self.st.shared_secret else "(none yet)")
        self.skip_note()
        link = self.st.fresh("link")
        if link is None:
            self.say("#link", "Measuring the replication link …", "$text-muted")
            self.link_worker()
        else:
            self.show_link(link)

    @work(thread=True, exclusive=True, group="facts")
    def link_worker(self) -> None:
        self.read_fact("link", self.wapp.core.link, str(self.st.node("master").get("address") or ""),
                       show=self.show_link,
                       fail=lambda e: self.say("#link", f"link speed not measured ({e})", "$text-muted"))

    def show_link(self, link: object) -> None:
        self.say("#link", f"{link.note}. Empty = measure it when applying.", "$text-muted")  # type: ignore[attr-defined]

    def skip_note(self) -> None:
        table = self.st.fresh("disks")
        found = []
        if table is not None:
            for nd in table.nodes:
                for r in nd.rows:
                    if r.filesystem and r.device in (self.st.node("master").get("disk"),
                                                     self.st.node("peer").get("disk")):
                        found.append(f"{nd.node}:{r.device} holds {r.filesystem}")
        box = self.query_one("#skip_initial_sync", Checkbox)
        if found:
            self.say("#skip-note", "Not possible: " + "; ".join(found) + ". The full sync makes the slave "
                                   "identical.", "$text-warning")
            box.value = False
            box.disabled = True
        else:
            box.disabled = False
            self.say("#skip-note", "Saves hours on big disks, but only safe when neither partition holds "
                                   "data. When unsure, leave it off.", "$text-muted")

    def action_new_secret(self) -> None:
        self.st.shared_secret = self.wapp.core.new_secret()
        self.query_one("#secret", Static).update(MASK)
        self.notify("A new shared secret was generated (shown as ********).", timeout=3)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "new-secret":
            event.stop()
            self.action_new_secret()
        else:
            super().on_button_pressed(event)

    def save(self) -> None:
        d = self.st.raw["drbd"]
        for sel in ("protocol", "fencing"):
            v = self.query_one(f"#{sel}", Select).value
            if isinstance(v, str):
                d[sel] = v
        d["sync_rate"] = self.value("#sync_rate")
        d["split_brain_notify"] = self.value("#split_brain_notify")
        for key, _, _ in INT_FIELDS:
            d[key] = as_int(self.value(f"#{key}"))
        d["skip_initial_sync"] = self.query_one("#skip_initial_sync", Checkbox).value
        self.st.raw["wizard"]["keep_secrets_in_answers"] = self.query_one("#keep-secrets", Checkbox).value

    def prefixes(self) -> list[str]:
        return ["drbd."]
