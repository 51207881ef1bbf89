"""Cluster manager: which stack (Heartbeat, Pacemaker + Corosync, or auto), Pacemaker's fencing (a STONITH device,
or STONITH off by a typed word), then the timing profile and Heartbeat's media and agents, each explained. Thin:
it edits the answers; the plan and the checks are the core's."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from screens.base import WizardScreen
from screens.looks import line
from screens.state import as_int
from wizard.core.spec import FENCE_NEEDS
from wizard.core.validate import abs_path

STACKS = [("heartbeat: the tutorial's stack", "heartbeat"), ("pacemaker: Pacemaker + Corosync", "pacemaker"),
          ("auto: the one the nodes can get", "auto")]
STACK_WHY = {
    "heartbeat": "Heartbeat starts the disk, the address and the services on the other server when the master "
                 "dies. The tutorial's; unmaintained for ten years.",
    "pacemaker": "Its successor: watches every resource and can power off a hung node (STONITH). Media and "
                 "agents below are Heartbeat's.",
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
# Fencing (cluster.fencing and [stonith], docs/pacemaker.md "Fencing"): Pacemaker's only; Heartbeat ignores it.
FENCING = [("STONITH device: power off a silent node", "stonith"),
           ("no STONITH: I accept the split-brain risk", "none-confirmed")]
NOT_CHOSEN = "later"  # the agent Select's "not chosen yet" (a Select value cannot be "")
FENCE_AGENTS = [("not chosen yet: the plan stays NOT READY", NOT_CHOSEN),
                ("fence_ipmilan: each node's BMC (IPMI)", "fence_ipmilan"),
                ("fence_virsh: both nodes are VMs on one KVM host", "fence_virsh")]
# The word that turns STONITH off: typed, never ticked, like the destructive steps' confirmations.
CONFIRM_WORD = "no-stonith"
SPLIT_RISK = ("Without STONITH, a broken link lets both nodes run the services and write to their own disk "
              "(split brain), and one side's changes must then be thrown away.")
# [stonith] keys and the nodes' fence_target, as the screen labels them (used in the one-sentence refusals)
STONITH_KEYS = ("login", "password_script", "hypervisor", "identity_file")
LABELS = {"login": "the login", "password_script": "the password script", "hypervisor": "the KVM host",
          "identity_file": "the SSH key"}
VALUES = {"recommended": (1, 4, 8, 30), "tutorial": (2, 60, 120, 120)}


class HeartbeatScreen(WizardScreen):
    NAME = "heartbeat"
    bad_password_script = False  # the last save cleared a password-script field that held no path
    HELP = (
        "Cluster manager: Heartbeat is the tutorial's; Pacemaker + Corosync is its successor (docs/pacemaker.md "
        "compares them). Both get the same answers and the same timing: Corosync's token is derived from the "
        "deadtime below.\n\n"
        "Fencing (Pacemaker only): with two nodes a broken link looks exactly like a dead peer, so Pacemaker "
        "powers the silent node off (STONITH) before it takes over. Choose the fence agent and give what it "
        "needs: fence_ipmilan reaches each node's BMC with a login and a script on the nodes that prints the "
        "password (the password itself is never asked for); fence_virsh logs in to the KVM host that runs both "
        "VMs with an SSH key. 'not chosen yet' keeps the plan NOT READY. 'no STONITH' turns it off once you "
        f"type {CONFIRM_WORD}: for a lab, or where something else keeps both nodes from writing at once "
        "(docs/pacemaker.md, Fencing).\n\n"
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
        with Vertical(id="fencing-box", classes="group"):
            yield Static(line("The fencing below applies to Pacemaker only.", "$text-muted"),
                         classes="explain")
            yield from self.field("Fencing", Select(FENCING, id="fencing", allow_blank=False))
            with Vertical(id="stonith-box", classes="group"):
                yield from self.field("Fence agent", Select(FENCE_AGENTS, id="agent", allow_blank=False))
                yield from self.field("KVM host", Input(id="hypervisor", placeholder="e.g. kvm-host",
                                                        classes="wide-input"), "row-hypervisor")
                yield from self.field("Login", Input(id="login", placeholder="e.g. admin", classes="short-input"),
                                      "row-login")
                yield from self.field("Password script", Input(id="password_script", classes="wide-input",
                                                               placeholder="/root/bmc-password.sh"),
                                      "row-password_script")
                yield Static(line("A script on both nodes that prints the BMC password: the password itself is "
                                  "never asked for or stored.", "$text-muted"), id="why-password_script",
                             classes="explain")
                yield from self.field("SSH key", Input(id="identity_file", placeholder="/root/.ssh/fence",
                                                       classes="wide-input"), "row-identity_file")
                for role in ("master", "peer"):
                    yield from self.field(role, Input(id=f"fence-{role}", classes="short-input"), f"row-{role}")
            with Vertical(id="none-box", classes="group"):
                yield Static(line(SPLIT_RISK, "$text-warning"), classes="explain")
                yield from self.field("Confirm", Input(id="confirm", placeholder=f"type {CONFIRM_WORD}",
                                                       classes="short-input"))
                yield Static(line(f"Type {CONFIRM_WORD} to turn STONITH off.", "$text-muted"), classes="explain")
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

    def field(self, label: str, widget: Widget, row_id: str | None = None) -> Iterable[Widget]:
        with Horizontal(classes="row", id=row_id):
            yield Label(label, classes="label", id=f"label-{row_id}" if row_id else None)
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
        self.load_fencing()

    def load_fencing(self) -> None:
        c, stn = self.st.raw["cluster"], self.st.raw.setdefault("stonith", {})
        fencing = c.get("fencing") if c.get("fencing") in ("stonith", "none-confirmed") else "stonith"
        self.query_one("#fencing", Select).value = fencing
        agent = stn.get("agent")
        self.query_one("#agent", Select).value = agent if agent in FENCE_NEEDS else NOT_CHOSEN
        for k in STONITH_KEYS:
            self.set_value(f"#{k}", stn.get(k))
        for role in ("master", "peer"):
            self.set_value(f"#fence-{role}", self.st.node(role).get("fence_target"))
        # STONITH off in the answers was typed there: the word stands for it, nobody types it twice
        self.set_value("#confirm", CONFIRM_WORD if fencing == "none-confirmed" else "")
        self.bad_password_script = False
        self.show_fencing()

    def show_fencing(self) -> None:
        """Only the fencing fields that apply: none under Heartbeat, the chosen agent's under a STONITH device."""
        stack, fencing, agent = (self.query_one(f"#{k}", Select).value for k in ("stack", "fencing", "agent"))
        self.query_one("#fencing-box").display = stack != "heartbeat"
        self.query_one("#stonith-box").display = fencing == "stonith"
        self.query_one("#none-box").display = fencing == "none-confirmed"
        needs = FENCE_NEEDS.get(str(agent), ())
        for k in STONITH_KEYS:
            self.query_one(f"#row-{k}").display = k in needs
        self.query_one("#why-password_script").display = "password_script" in needs
        for role in ("master", "peer"):
            self.query_one(f"#row-{role}").display = bool(needs)
            self.query_one(f"#label-row-{role}", Label).update(self.target_label(role, str(agent)))
            self.query_one(f"#fence-{role}", Input).placeholder = (
                f"e.g. {self.st.shown_name(role)}-vm" if agent == "fence_virsh" else "the BMC's address")

    def target_label(self, role: str, agent: str) -> str:
        return f"{self.st.shown_name(role)}'s {'VM' if agent == 'fence_virsh' else 'BMC'}"

    def confirmed(self) -> bool:
        return self.value("#confirm") == CONFIRM_WORD

    def on_input_changed(self, event: Input.Changed) -> None:
        # A password typed where its script's path belongs is masked at once (a path starts with /).
        if event.input.id == "password_script":
            event.input.password = bool(event.value) and not event.value.startswith("/")

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
        if event.select.id in ("stack", "fencing", "agent"):
            self.show_fencing()
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
        self.bad_password_script = False
        if stack != "heartbeat":  # hidden under Heartbeat: what was typed there while they showed is dropped
            self.save_fencing()

    def save_fencing(self) -> None:
        """The fencing answers. STONITH goes off only with the typed word; a password-script field holding
        anything but a path (a password typed there by mistake) is cleared, never kept in the answers."""
        c, stn = self.st.raw["cluster"], self.st.raw.setdefault("stonith", {})
        script = self.value("#password_script")
        self.bad_password_script = bool(script) and abs_path(script) is not None
        if self.bad_password_script:
            self.set_value("#password_script", "")
        for k in STONITH_KEYS:
            stn[k] = self.value(f"#{k}")
        for role in ("master", "peer"):
            self.st.node(role)["fence_target"] = self.value(f"#fence-{role}")
        agent = self.query_one("#agent", Select).value
        if self.query_one("#fencing", Select).value == "none-confirmed" and self.confirmed():
            c["fencing"], stn["agent"] = "none-confirmed", ""
        else:
            c["fencing"], stn["agent"] = "stonith", agent if agent in FENCE_NEEDS else ""

    def prefixes(self) -> list[str]:
        return ["heartbeat.", "cluster.stack", "cluster.fencing", "stonith.",
                *(f"nodes[{self.st.number(r)}].fence_target" for r in ("master", "peer"))]

    def problems(self) -> list[str]:
        """The CLI's sentences, except that what fencing lacks is said once, in the screen's own words."""
        found = self.st.problems(self.prefixes())
        if self.st.raw["cluster"].get("stack") == "heartbeat":
            return found  # (the core checks no fencing key for Heartbeat)
        fencing_keys = ("stonith.", "cluster.fencing", "nodes[")
        mine: list[str] = []
        if self.bad_password_script:
            mine.append("The password script must be the path of a script on both nodes that prints the BMC "
                        "password, like /root/bmc-password.sh, never the password itself (what was typed is "
                        "cleared).")
        agent = self.st.raw["stonith"].get("agent")
        if self.query_one("#fencing", Select).value == "none-confirmed" and not self.confirmed():
            mine.append(f"STONITH stays on until you type {CONFIRM_WORD} in the Confirm box: type it there, or "
                        "choose a STONITH device.")
            found = [p for p in found if not p.startswith(fencing_keys)]
        elif agent in FENCE_NEEDS:
            missing = [LABELS[k] for k in FENCE_NEEDS[agent] if not self.st.raw["stonith"].get(k)]
            missing += [f"{self.st.shown_name(r)}'s {'VM name' if agent == 'fence_virsh' else 'BMC address'}"
                        for r in ("master", "peer") if not self.st.node(r).get("fence_target")]
            if missing:
                mine.append(f"{agent} needs {and_list(missing)}: fill them in, or choose 'not chosen yet' to "
                            "decide later.")
            found = [p for p in found if not (p.startswith(fencing_keys) and " is missing: " in p)]
        return mine + found


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
