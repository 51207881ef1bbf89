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
# field -> its key in the draft (see WizardState.offer: discovered values never replace typed ones)
FIELDS = {"#name-master": "master.name", "#name-peer": "peer.name", "#addr-master": "master.address",
          "#addr-peer": "peer.address", "#svc-name": "service.hostname", "#vip": "service.vip",
          "#netmask": "service.netmask", "#iface": "service.interface"}


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
                yield Input(id=f"name-{role}", placeholder="its uname -n", classes="short-input")
                yield Label("address", classes="label-short")
                yield Input(id=f"addr-{role}", placeholder="replication IP", classes="short-input")
        yield Static(id="name-check")
        yield Static(id="discovered", classes="muted")
        yield Static(line("The service clients use (moves with the master):", "$text-muted"), classes="title")
        with Horizontal(classes="row"):
            yield Label("Service name", classes="label")
            yield Input(id="svc-name", placeholder="e.g. mail", classes="short-input")
            yield Label("VIP", classes="label-short")
            yield Input(id="vip", placeholder="a free IP", classes="short-input")
        with Horizontal(classes="row"):
            yield Label("Netmask bits", classes="label")
            yield Input(id="netmask", type="integer", classes="short-input")
            yield Label("NIC", classes="label-short")
            yield Input(id="iface", placeholder="e.g. eth1", classes="short-input")
        yield Static(id="vip-note")

    def load(self) -> None:
        self.fill()
        self.show_names()
        st = self.st
        if st.fresh("names") is None:
            self.names_worker()
        if st.fresh("discovery") is None and self._reachable_peer():
            self.note("#discovered", "Reading the replication link from both nodes …", "$text-muted")
            self.link_worker()

    def fill(self) -> None:
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
        self.show_sources()

    def show_sources(self) -> None:
        """Say beside the form which values the wizard read from the nodes, and where."""
        shown = {"peer.name": "peer name", "master.address": "master address", "peer.address": "peer address",
                 "service.interface": "NIC", "service.netmask": "netmask"}
        bits = []
        for key, what in shown.items():
            src = self.st.source_of(key)
            if src:
                bits.append(line(f"discovered {what} {self.st.current(key)}: {src}", "$text-muted"))
        self.note("#discovered", Content("\n").join(bits) if bits else "")
        vip = self.st.source_of("service.vip")
        self.note("#vip-note", f"VIP {self.st.raw['service'].get('vip')}: {vip} (check it is yours to use)"
                  if vip else "", "$text-warning")

    def discovered_fields(self) -> set[str]:
        return {sel for sel, key in FIELDS.items() if self.st.source_of(key)}

    def _reachable_peer(self) -> bool:
        st = self.st
        peer = st.node("peer")
        return not st.demo and bool(peer.get("ssh") or peer.get("address"))

    # --- discovery (worker threads): facts the admin need not retype -----------------------------------
    @work(thread=True, exclusive=True, group="discover")
    def link_worker(self) -> None:
        peer = self.st.node("peer")
        self.read_fact("discovery", self.wapp.core.discover, str(peer.get("ssh") or peer.get("address")),
                       show=self.use_discovery,
                       fail=lambda e: self.note("#discovered", f"link not read: {e}", "$text-muted"))

    def use_discovery(self, found: object) -> None:
        """Put what the nodes told into the fields the admin has not typed, then look for a free VIP."""
        from wizard.nodes.discover import Found

        self.save()  # what was typed meanwhile is the admin's: it stays
        st = self.st
        d = found
        offers = {"peer.name": getattr(d, "peer_name", None), "master.address": getattr(d, "master_address", None),
                  "peer.address": getattr(d, "peer_address", None), "service.interface": getattr(d, "master_nic", None)}
        for key, value in offers.items():
            if value is not None:
                st.offer(key, value)
        nic, prefix = getattr(d, "master_nic", None), getattr(d, "prefix", None)
        if nic is not None:
            st.offer("heartbeat.interface", nic)
        if prefix is not None and getattr(d, "master_address", None) is not None:
            st.offer("service.netmask", Found(str(prefix), d.master_address.source))  # type: ignore[attr-defined]
            st.raw["service"]["netmask"] = as_int(str(st.raw["service"]["netmask"]))
        self.fill()
        self.show_names()
        self.focus_first_empty(discovered=self.discovered_fields())
        master = st.node("master").get("address")
        if not st.raw["service"].get("vip") and master and nic is not None and prefix is not None:
            self.note("#vip-note", "Looking for a free VIP on the link (ping and ARP) …", "$text-muted")
            self.vip_worker(str(master), int(prefix), nic.value, [str(st.node("peer").get("address") or "")])

    @work(thread=True, exclusive=True, group="vip")
    def vip_worker(self, master: str, prefix: int, nic: str, taken: list[str]) -> None:
        app, st = self.wapp, self.st
        try:
            session = app.detached(app.core.probe_session, st, app.ask_host_key)
            found = app.detached(app.core.suggest_vip, session, master, prefix, nic, taken)
        except Exception:
            found = None
        if app.quitting.is_set():
            return
        app.call_from_thread(self.use_vip, found)

    def use_vip(self, found: object) -> None:
        self.save()
        if found is not None and self.st.offer("service.vip", found):
            self.fill()
            self.focus_first_empty(discovered=self.discovered_fields())
        elif found is None and not self.value("#vip"):
            self.note("#vip-note", "No free VIP found by probing: type a free address of the link.", "$text-muted")

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
        found = getattr(self.st.fresh("discovery"), "peer_name", None)
        return names.get("peer") or self.st.facts.get("peer_uname") or (found.value if found else None)

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
        self.mark_typed(FIELDS)
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
