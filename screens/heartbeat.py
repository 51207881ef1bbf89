"""Cluster manager: which stack (Heartbeat, Pacemaker + Corosync, or auto), then the timing profile and Heartbeat's
media and agents, each explained. Thin: it edits the answers; the plan and the checks are the core's."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from screens.base import WizardScreen
from screens.looks import line
from screens.state import as_int

STACKS = [("heartbeat: the tutorial's stack", "heartbeat"), ("pacemaker: Pacemaker + Corosync", "pacemaker"),
          ("auto: the one the nodes can get", "auto")]
STACK_WHY = {
    "heartbeat": "Heartbeat starts the disk, the address and the services on the other server when the master "
                 "dies. The tutorial's; unmaintained for ten years.",
    "pacemaker": "Its successor: watches every resource and can power off a hung node (STONITH). Planned in full; "
                 "set up once the lab has proved it. Media and agents are Heartbeat's.",
    "auto": "Heartbeat when both nodes have it or can install it, else Pacemaker; the plan says which, and why.",
}
PROFILES = [
    ("recommended: keepalive 1, warntime 4, deadtime 8, initdead 30", "recommended"),
    ("tutorial: keepalive 2, deadtime 120, initdead 120", "tutorial"),
    ("custom: your own values below", "custom"),
]
WHY = {
    "recommended": "Measured in the ha-wizard lab: beats never came near warntime, and a dead master is "
                   "taken over in seconds. Takeover starts 8 s after the last beat.",
    "tutorial": "The tutorial's Listing 3: two minutes of silence before the slave takes over. Very safe "
                "against false alarms, but the service is down at least two minutes.",
    "custom": "Checked against Heartbeat's rules: warntime below deadtime, initdead at least twice "
              "deadtime, keepalive at most a quarter of deadtime.",
}
MEDIA = [("ucast to the peer's replication address", "ucast"), ("bcast on the interface", "bcast"),
         ("serial cable only", "serial")]
AGENTS = [("lean: ha-wizard's mount and address scripts (a takeover ~10 s sooner)", "lean"),
          ("stock: resource-agents' Filesystem and IPaddr2", "stock")]
TIMING = ("keepalive", "warntime", "deadtime", "initdead")
VALUES = {"recommended": (1, 4, 8, 30), "tutorial": (2, 60, 120, 120)}


class HeartbeatScreen(WizardScreen):
    NAME = "heartbeat"
    HELP = (
        "Cluster manager: Heartbeat is the tutorial's; Pacemaker + Corosync is its successor (docs/pacemaker.md "
        "compares them). Both get the same answers and the same timing: Corosync's token is derived from the "
        "deadtime below.\n\n"
        "Tutorial Listing 3 (/etc/ha.d/ha.cf): keepalive is how often the servers greet each other; "
        "deadtime how long silence lasts before the slave takes over; initdead the same right after boot; "
        "warntime when a late heartbeat is logged. Too low gives false failovers, too high a long outage.\n\n"
        "Media: the heartbeats go to the peer's replication address (ucast) by default. A second path on "
        "another network (or a serial cable) keeps a failed link from looking like a dead peer: one link "
        "alone is a split-brain waiting to happen.\n\n"
        "Agents: what Heartbeat runs to take the disk and the address, in the order shown (haresources). "
        "'lean' uses ha-wizard's two small scripts for the mount and the address; 'stock' uses "
        "resource-agents' Filesystem and IPaddr2, which do the same in seconds per call instead of tenths "
        "(docs/heartbeat.md has the measurements)."
    )

    def body(self) -> Iterable[Widget]:
        yield Static(line("Cluster manager, its timing and media", "bold"), classes="title")
        yield from self.field("Stack", Select(STACKS, id="stack", allow_blank=False))
        yield Static(id="stack-why", classes="explain")
        yield from self.field("Profile", Select(PROFILES, id="profile", allow_blank=False))
        yield Static(id="profile-why", classes="explain")
        for key in TIMING:
            yield from self.field(key, Input(id=key, type="integer", classes="short-input"))
        yield from self.field("Media", Select(MEDIA, id="media", allow_blank=False))
        yield from self.field("Second path", Input(id="second_interface", placeholder="e.g. eth0",
                                                   classes="short-input"))
        yield Static(line("A second network interface for bcast heartbeats; empty = none.", "$text-muted"),
                     classes="explain")
        yield from self.field("Agents", Select(AGENTS, id="agents", allow_blank=False))
        yield Static(id="chain", classes="explain")

    def field(self, label: str, widget: Widget) -> Iterable[Widget]:
        with Horizontal(classes="row"):
            yield Label(label, classes="label")
            yield widget

    def load(self) -> None:
        hb = self.st.raw["heartbeat"]
        stack = self.st.raw["cluster"].get("stack") or "heartbeat"
        self.query_one("#stack", Select).value = stack if stack in STACK_WHY else "heartbeat"
        self.say("#stack-why", STACK_WHY.get(stack, ""), "$text-muted")
        given = tuple(hb.get(k) for k in TIMING)
        profile = hb.get("profile") or next((p for p, v in VALUES.items() if v == given), "custom")
        self.query_one("#profile", Select).value = profile
        if hb.get("media") in ("ucast", "bcast", "serial"):
            self.query_one("#media", Select).value = hb["media"]
        self.query_one("#agents", Select).value = "stock" if hb.get("agents") == "stock" else "lean"
        for k in (*TIMING, "second_interface"):
            self.set_value(f"#{k}", hb.get(k))
        self.show_profile(profile)
        self.show_chain()

    def focus_first_empty(self, *, discovered: Collection[str] | None = None) -> None:
        """On entry the cursor waits on the stack, the first choice (the only empty field is the optional
        second path: focusing it would scroll the choice off an 80x24 screen)."""
        if discovered is None:
            self.query_one("#stack", Select).focus()
        else:
            super().focus_first_empty(discovered=discovered)

    def show_chain(self) -> None:
        chain = self.wapp.core.resource_chain(self.st)
        self.say("#chain", f"haresources: {chain}" if chain else "", "$text-muted")

    def show_profile(self, profile: str) -> None:
        self.say("#profile-why", WHY.get(profile, ""), "$text-muted")
        for k, v in zip(TIMING, VALUES.get(profile, ()), strict=False):
            self.set_value(f"#{k}", v)
        for k in TIMING:
            self.query_one(f"#{k}", Input).disabled = profile != "custom"

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "stack" and isinstance(event.value, str):
            self.say("#stack-why", STACK_WHY.get(event.value, ""), "$text-muted")
        if event.select.id == "profile" and isinstance(event.value, str):
            self.show_profile(event.value)
        if event.select.id == "agents" and isinstance(event.value, str):
            self.st.raw["heartbeat"]["agents"] = event.value
            self.show_chain()

    def save(self) -> None:
        stack = self.query_one("#stack", Select).value
        if isinstance(stack, str):
            self.st.raw["cluster"]["stack"] = stack
        hb = self.st.raw["heartbeat"]
        for sel in ("profile", "media", "agents"):
            v = self.query_one(f"#{sel}", Select).value
            if isinstance(v, str):
                hb[sel] = v
        for k in TIMING:
            hb[k] = as_int(self.value(f"#{k}"))
        hb["second_interface"] = self.value("#second_interface")

    def prefixes(self) -> list[str]:
        return ["heartbeat.", "cluster.stack", "cluster.fencing", "stonith."]
