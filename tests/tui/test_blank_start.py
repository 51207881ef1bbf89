"""A blank start on servers named alpha and bravo: the wizard fills in what it discovered (marked as such),
focuses the first field still to fill, and never shows, plans or saves a name nobody gave or discovered.

The admin types nothing but the service name: the peer's address, its name, the replication addresses and
NIC, the partition pair and the VIP (a suggestion) are all discovered by the (fake) nodes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input
from tuikit import GIB, FakeCore, screen_text, until

from wizard.core.answers import load_answers
from wizard.disks.table import DiskTable, NodeDisks, PartitionRow
from wizard.nodes.discover import Discovery, Found
from wizard.nodes.login import HostKeys, LoginCheck

pytestmark = pytest.mark.asyncio

# Names a screen may show only if the nodes or the admin gave them: here they gave alpha and bravo.
INVENTED = re.compile(r"\b(node1|node2|server1|server2|node3|node4)\b")
ROUTE = "ip route get 10.77.0.12 on alpha"


class AlphaBravo(FakeCore):
    """Two servers called alpha (this machine) and bravo, linked on eth1 (10.77.0.0/24)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys_known = True
        self.login_ok = True
        self.asked_vip: list[tuple[str, int, str]] = []

    def local_name(self) -> str:
        return "alpha"

    def suggest_peer(self) -> list[Any]:
        return [Found("10.77.0.12", "answers SSH; next to this machine's 10.77.0.11 on eth1")]

    def scan_peer(self, host: str, port: int, known_hosts: str | None) -> HostKeys:
        return HostKeys(host, port, (f"{host} ssh-ed25519 AAAAfake",), ("SHA256:fake (ED25519)",), True)

    def check_login(self, host: str, port: int, user: str, known_hosts: str | None) -> LoginCheck:
        return LoginCheck(True, f"logged in to {user}@{host} with this machine's key; it calls itself 'bravo' "
                                "(uname -n)", "bravo")

    def names(self, session: Any) -> dict[str, str | None]:
        return {"master": "alpha", "peer": "bravo"}

    def discover(self, session: Any, peer_ssh: str) -> Discovery:
        assert peer_ssh == "10.77.0.12"
        return Discovery(peer_name=Found("bravo", "uname -n on the peer"),
                         master_address=Found("10.77.0.11", ROUTE), master_nic=Found("eth1", ROUTE),
                         peer_address=Found("10.77.0.12", "the address SSH reached it on (same link)"), prefix=24)

    def suggest_vip(self, session: Any, address: str, prefix: int, nic: str, taken: list[str]) -> Found:
        self.asked_vip.append((address, prefix, nic))
        return Found("10.77.0.100", "suggestion: no ping or ARP answer for 10.77.0.100 on eth1")

    def disks(self, session: Any) -> DiskTable:
        m, p = self.roles(session)
        return DiskTable((
            NodeDisks(m, (PartitionRow(m, "/dev/vda", 3 * GIB, "Linux", "ext4", "mounted on /"),
                          PartitionRow(m, "/dev/vdb1", GIB // 8, "Linux"))),
            NodeDisks(p, (PartitionRow(p, "/dev/vda", 3 * GIB, "Linux", "ext4", "mounted on /"),
                          PartitionRow(p, "/dev/vdb1", GIB // 8, "Linux"))),
        ))


def value(app: Any, selector: str) -> str:
    return app.screen.query_one(selector, Input).value


async def enter(app: Any, pilot: Any, name: str) -> str:
    await until(pilot, lambda: name == app.screen.NAME and app.screen.ready, what=f"screen {name}")
    return screen_text(app)


async def test_blank_start_fills_in_what_the_nodes_told(make_app, tmp_path: Path) -> None:
    core = AlphaBravo()
    app = make_app(answers=None, core=core)
    seen: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        seen.append(await enter(app, pilot, "welcome"))
        await pilot.press("ctrl+n")

        # Nodes: the one address next to alpha that answers SSH is proposed; the cursor waits in the field.
        seen.append(await enter(app, pilot, "nodes"))
        await until(pilot, lambda: value(app, "#ssh") == "10.77.0.12", what="the suggested peer address")
        assert isinstance(app.focused, Input) and app.focused.id == "ssh"
        assert "answers SSH" in screen_text(app)
        await pilot.press("f5")
        await until(pilot, lambda: "calls itself 'bravo'" in screen_text(app), what="the login check")
        seen.append(screen_text(app))
        await pilot.press("ctrl+n")

        # Disks: the one free equal-size pair is taken; rows carry the real names.
        seen.append(await enter(app, pilot, "disks"))
        await until(pilot, lambda: value(app, "#disk-master") == "/dev/vdb1" and value(app, "#disk-peer"),
                    what="the discovered pair")
        text = screen_text(app)
        seen.append(text)
        assert "discovered: /dev/vdb1 ↔ /dev/vdb1" in text and "bravo disk" in str(app.screen.query_one(
            "#label-peer").render())
        await pilot.press("ctrl+n")

        # Hosts: names, addresses, NIC, netmask and a VIP suggestion are filled; only the service name is left.
        seen.append(await enter(app, pilot, "hosts"))
        await until(pilot, lambda: value(app, "#vip") == "10.77.0.100", what="the VIP suggestion")
        assert [value(app, f"#{f}") for f in ("name-master", "name-peer", "addr-master", "addr-peer", "iface",
                                               "netmask")] == ["alpha", "bravo", "10.77.0.11", "10.77.0.12",
                                                               "eth1", "24"]
        text = screen_text(app)
        seen.append(text)
        assert f"discovered master address 10.77.0.11: {ROUTE}" in text
        assert "VIP 10.77.0.100: suggestion" in text
        assert core.asked_vip == [("10.77.0.11", 24, "eth1")]
        assert isinstance(app.focused, Input) and app.focused.id == "svc-name"  # the first empty field
        await pilot.press(*"mail")
        await pilot.press("ctrl+n")

        for name in ("drbd", "services", "heartbeat"):
            seen.append(await enter(app, pilot, name))
            await pilot.press("ctrl+n")
        await until(pilot, lambda: app.st.facts.get("plan") is not None, what="the plan")
        seen.append(screen_text(app))
        plan = app.st.facts["plan"]
        assert {host for _, _, host, _, _ in plan.steps} == {"alpha", "bravo"}
        await pilot.press("ctrl+n")  # dry run: save the answers, show what would run
        seen.append(await enter(app, pilot, "run"))
        await pilot.press("ctrl+n")
        seen.append(await enter(app, pilot, "done"))

    bad = sorted({m for text in seen for m in INVENTED.findall(text)})
    assert bad == [], f"names nobody gave or discovered were shown: {bad}"
    saved = Path(app.st.saved_to).read_text()
    assert not INVENTED.search(saved) and "not named yet" not in saved
    spec, _ = load_answers(app.st.saved_to)
    assert [n.name for n in spec.nodes] == ["alpha", "bravo"] and spec.master == "alpha"
    assert (spec.node("alpha").address, spec.node("bravo").address) == ("10.77.0.11", "10.77.0.12")
    assert (spec.service.vip, spec.service.interface, spec.service.hostname) == ("10.77.0.100", "eth1", "mail")
    assert spec.node("alpha").disk == spec.node("bravo").disk == "/dev/vdb1"


async def test_what_the_admin_typed_is_never_replaced(make_app) -> None:
    core = AlphaBravo()
    app = make_app(answers=None, core=core)
    async with app.run_test(size=(80, 24)) as pilot:
        await enter(app, pilot, "welcome")
        app.st.raw["nodes"][app.st.peer_index]["ssh"] = "10.77.0.12"
        app.go("hosts")
        await enter(app, pilot, "hosts")
        box = app.screen.query_one("#iface", Input)
        box.value = "bond0"  # typed before the discovery arrives
        await until(pilot, lambda: value(app, "#name-peer") == "bravo", what="the discovery")
        assert value(app, "#iface") == "bond0"
        await pilot.press("ctrl+n")
    assert app.st.raw["service"]["interface"] == "bond0" and "service.interface" in app.st.typed


async def test_an_unnamed_peer_is_labelled_so(make_app) -> None:
    core = AlphaBravo()
    core.suggest_peer = lambda: []  # type: ignore[method-assign]  # nothing answers next door
    app = make_app(answers=None, core=core)
    async with app.run_test(size=(80, 24)) as pilot:
        await enter(app, pilot, "welcome")
        app.go("disks")
        text = await enter(app, pilot, "disks")
        await until(pilot, lambda: app.screen.query_one("#parts").row_count > 0, what="the partitions")
        rows = [str(app.screen.query_one("#parts").get_row_at(i)[0]) for i in range(4)]
        assert rows == ["alpha", "alpha", "peer (not named yet)", "peer (not named yet)"]
        assert not INVENTED.search(text + screen_text(app))
