"""Hosts: node names (checked against `uname -n`), replication addresses, the service name and its VIP."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from screens.base import WizardScreen
from screens.looks import line
from screens.state import as_int

ROLES = ("master", "peer")


class HostsScreen(WizardScreen):
    NAME = "hosts"
    HELP = (
        "Tutorial step 2: /etc/hosts on both servers names server1, server2 and the service (mail), so "
        "they resolve the same way even when DNS is down.\n\n"
        "Name: exactly what `uname -n` prints on that server; DRBD and Heartbeat find their own section "
        "by it. Address: the replication address (DRBD and Heartbeat talk over it), ideally on a "
        "dedicated link.\n\n"
        "Service hostname and VIP: the name and the floating address clients use; Heartbeat puts the VIP "
        "on whichever server is master. It must be a free address in the servers' subnet, never one of "
        "theirs. Netmask is the prefix length (24 = 255.255.255.0); interface is the NIC that carries it."
    )

    def body(self) -> Iterable[Widget]:
        yield Static(line("Names and addresses (/etc/hosts on both servers)", "bold"), classes="title")
        for role in ROLES:
            with Horizontal(classes="row"):
                yield Label("master" if role == "master" else "peer", classes="label")
                yield Input(id=f"name-{role}", placeholder="server1" if role == "master" else "server2",
                            classes="short-input")
                yield Label("address", classes="label-short")
                yield Input(id=f"addr-{role}", placeholder="192.168.1.1" if role == "master" else "192.168.1.2",
                            classes="short-input")
        yield Static(id="name-check")
        yield Static(line("The service clients use (moves with the master):", "$text-muted"), classes="title")
        with Horizontal(classes="row"):
            yield Label("Service name", classes="label")
            yield Input(id="svc-name", placeholder="mail", classes="short-input")
            yield Label("VIP", classes="label-short")
            yield Input(id="vip", placeholder="192.168.1.5", classes="short-input")
        with Horizontal(classes="row"):
            yield Label("Netmask bits", classes="label")
            yield Input(id="netmask", type="integer", classes="short-input")
            yield Label("NIC", classes="label-short")
            yield Input(id="iface", placeholder="eth0", classes="short-input")

    def load(self) -> None:
        st = self.st
        for role in ROLES:
            n = st.node(role)
            self.set_value(f"#name-{role}", n.get("name"))
            self.set_value(f"#addr-{role}", n.get("address"))
        sv = st.raw["service"]
        self.set_value("#svc-name", sv.get("hostname"))
        self.set_value("#vip", sv.get("vip"))
        self.set_value("#netmask", sv.get("netmask"))
        self.set_value("#iface", sv.get("interface"))
        self.show_names()
        if st.fresh("names") is None:
            self.names_worker()

    @work(thread=True, exclusive=True, group="facts")
    def names_worker(self) -> None:
        app, st = self.wapp, self.st
        key = st.peer_key()
        try:
            names = app.detached(app.core.names, app.detached(app.core.probe_session, st, app.ask_host_key))
        except Exception as e:
            if app.quitting.is_set():
                return
            names = {"master": None, "peer": None, "error": str(e)}
        st.remember("names", names, key)
        app.call_from_thread(self.show_names)

    def _uname(self, role: str) -> str | None:
        if role == "master":
            return self.wapp.core.local_name()
        names = self.st.fresh("names") or {}
        return names.get("peer") or self.st.facts.get("peer_uname")

    def name_mismatches(self) -> list[str]:
        out = []
        for role in ROLES:
            typed, real = self.value(f"#name-{role}"), self._uname(role)
            if typed and real and typed != real:
                where = "this machine" if role == "master" else "the peer"
                out.append(f"{role} name '{typed}': {where} calls itself '{real}' (uname -n); use '{real}'"
                           + (", or run the wizard on the master" if role == "master" else ""))
        return out

    def show_names(self) -> None:
        bits = []
        for role in ROLES:
            real = self._uname(role)
            typed = self.value(f"#name-{role}")
            if real is None:
                bits.append(line(f"{role}: `uname -n` unknown (not contacted)", "$text-muted"))
            elif typed == real:
                bits.append(line(f"{role}: ✓ '{real}' matches uname -n", "$text-success"))
            else:
                bits.append(line(f"{role}: uname -n says '{real}'", "$text-warning"))
        self.say("#name-check", Content("  ").join(bits))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("name-"):
            self.show_names()

    def save(self) -> None:
        st = self.st
        st.rename_master(self.value("#name-master"))
        st.node("peer")["name"] = self.value("#name-peer")
        for role in ROLES:
            st.node(role)["address"] = self.value(f"#addr-{role}")
        sv = st.raw["service"]
        sv["hostname"] = self.value("#svc-name")
        sv["vip"] = self.value("#vip")
        sv["netmask"] = as_int(self.value("#netmask"))
        sv["interface"] = self.value("#iface")

    def prefixes(self) -> list[str]:
        out = ["cluster.master", "nodes: the name", "nodes: the address", "service."]
        for r in ROLES:
            n = self.st.number(r)
            out += [f"nodes[{n}].name", f"nodes[{n}].address"]
        return out

    def extra_problems(self) -> list[str]:
        # A wrong name breaks DRBD's `on NAME` sections; in a dry run it is shown but does not stop you.
        return [] if self.st.dry_run else self.name_mismatches()

    def action_next(self) -> None:
        self.show_names()
        super().action_next()
