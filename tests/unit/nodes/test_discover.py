"""What the wizard discovers for a blank start: the route to the peer, the peer's name and address on the
link, a free VIP, the peer itself next to the master. Facts in (command output), values and sources out."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence

import pytest
from helpers.nodes import FakeExecutor

from wizard.executors.result import Result
from wizard.nodes import discover as d

# `ip -j addr` of a master ("alpha") with a service NIC and a replication NIC, and of its peer ("bravo").
ALPHA_ADDR = json.dumps([
    {"ifname": "lo", "addr_info": [{"local": "127.0.0.1", "prefixlen": 8}]},
    {"ifname": "eth0", "addr_info": [{"local": "192.0.2.11", "prefixlen": 24}]},
    {"ifname": "eth1", "addr_info": [{"local": "10.77.0.11", "prefixlen": 24},
                                     {"local": "fe80::1", "prefixlen": 64}]},
])
BRAVO_ADDR = json.dumps([
    {"ifname": "lo", "addr_info": [{"local": "127.0.0.1", "prefixlen": 8}]},
    {"ifname": "eth0", "addr_info": [{"local": "192.0.2.12", "prefixlen": 24}]},
    {"ifname": "eth1", "addr_info": [{"local": "10.77.0.12", "prefixlen": 24}]},
])


def node(answers: dict[str, Result]) -> FakeExecutor:
    """A fake node answering by the command's first words (the longest key that matches wins)."""

    def answer(argv: Sequence[str]) -> Result:
        line = " ".join(argv)
        best = max((k for k in answers if line.startswith(k)), key=len, default=None)
        return answers[best] if best is not None else Result(1, "", f"{argv[0]}: unexpected in this test")

    return FakeExecutor("n", answer)


@pytest.mark.parametrize(("text", "want"), [
    ("10.77.0.12 dev eth1 src 10.77.0.11 uid 0 \n    cache \n", ("10.77.0.11", "eth1")),
    ("192.0.2.12 via 192.0.2.1 dev eth0 src 192.0.2.11 uid 0 \\    cache", ("192.0.2.11", "eth0")),
    ("local 10.77.0.11 dev lo table local src 10.77.0.11 uid 0 \n    cache <local> \n", None),
    ('[{"dst":"10.77.0.12","dev":"eth1","prefsrc":"10.77.0.11","flags":[],"uid":0,"cache":[]}]',
     ("10.77.0.11", "eth1")),
    ('[{"type":"local","dst":"10.77.0.11","dev":"lo","prefsrc":"10.77.0.11"}]', None),
    ("", None),
    ("RTNETLINK answers: Network is unreachable", None),
])
def test_parse_route_get(text: str, want: tuple[str, str] | None) -> None:
    assert d.parse_route_get(text) == want


def test_the_link_is_read_from_both_nodes() -> None:
    alpha = node({"ip -o route get 10.77.0.12": Result(0, "10.77.0.12 dev eth1 src 10.77.0.11 uid 0\n"),
                  "ip -j addr": Result(0, ALPHA_ADDR)})
    bravo = node({"uname -n": Result(0, "bravo\n"), "ip -j addr": Result(0, BRAVO_ADDR)})
    found = d.discover_link(alpha, bravo, "10.77.0.12", "alpha")
    assert found.peer_name == d.Found("bravo", "uname -n on the peer")
    assert found.master_address is not None and found.master_address.value == "10.77.0.11"
    assert found.master_nic is not None and found.master_nic.value == "eth1"
    assert "ip route get 10.77.0.12 on alpha" in found.master_nic.source
    assert found.peer_address == d.Found("10.77.0.12", "the address SSH reached it on (same link)")
    assert found.prefix == 24


def test_ssh_over_the_service_lan_finds_the_peer_on_the_replication_link() -> None:
    # SSH reaches bravo on eth0 (192.0.2.12): the route says eth0, so that is the link the wizard proposes,
    # and bravo's own address on that subnet is its replication address.
    alpha = node({"ip -o route get 192.0.2.12": Result(0, "192.0.2.12 dev eth0 src 192.0.2.11 uid 0\n"),
                  "ip -j addr": Result(0, ALPHA_ADDR)})
    bravo = node({"uname -n": Result(0, "bravo\n"), "ip -j addr": Result(0, BRAVO_ADDR)})
    found = d.discover_link(alpha, bravo, "192.0.2.12", "alpha")
    assert found.master_nic is not None and found.master_nic.value == "eth0"
    assert found.peer_address is not None and found.peer_address.value == "192.0.2.12"


def test_peer_address_on_the_masters_subnet_when_ssh_goes_elsewhere() -> None:
    # SSH goes to a name that resolves to an address outside the link (a management network): the peer's
    # address on the master's subnet is read from the peer itself.
    alpha = node({"ip -o route get 198.51.100.7": Result(0, "198.51.100.7 dev eth1 src 10.77.0.11 uid 0\n"),
                  "ip -j addr": Result(0, ALPHA_ADDR)})
    bravo = node({"uname -n": Result(0, "bravo\n"), "ip -j addr": Result(0, BRAVO_ADDR)})
    found = d.discover_link(alpha, bravo, "198.51.100.7", "alpha", "bravo")
    assert found.peer_address == d.Found("10.77.0.12", "ip addr on bravo: its address on 10.77.0.0/24")


def test_nothing_is_invented_when_the_nodes_say_nothing() -> None:
    silent = node({})
    found = d.discover_link(silent, silent, "10.77.0.12", "alpha")
    assert found == d.Discovery()
    assert d.discover_link(None, None, "10.77.0.12", "alpha") == d.Discovery()


def test_vip_candidates_skip_the_nodes_and_stay_in_the_subnet() -> None:
    net = ipaddress.ip_network("10.77.0.0/24")
    assert d.vip_candidates(net, ["10.77.0.11", "10.77.0.100"]) == ["10.77.0.200", "10.77.0.50", "10.77.0.250",
                                                                     "10.77.0.150"]
    assert d.vip_candidates(ipaddress.ip_network("10.77.0.0/30"), []) == []  # no room for a VIP
    assert all(ipaddress.ip_address(a) in net for a in d.vip_candidates(ipaddress.ip_network("10.77.0.0/28"), []))


@pytest.mark.parametrize(("ping_rc", "neigh", "want"), [
    (0, "10.77.0.100 dev eth1 lladdr 52:54:00:00:01:09 REACHABLE", False),  # it answers: in use
    (1, "10.77.0.100 dev eth1 lladdr 52:54:00:00:01:09 STALE", False),  # no ping, but ARP: a host is there
    (1, "10.77.0.100 dev eth1  FAILED", True),  # nobody answered ARP: free
    (1, "10.77.0.100 dev eth1  INCOMPLETE", True),
    (1, "", None),  # cannot tell
    (127, "", None),  # no ping on the node
])
def test_address_unused_needs_silence_on_ping_and_arp(monkeypatch: pytest.MonkeyPatch, ping_rc: int, neigh: str,
                                                      want: bool | None) -> None:
    monkeypatch.delenv("HA_WIZARD_LOOPBACK_ONLY", raising=False)  # only fakes here: nothing is sent
    ex = node({"ping": Result(ping_rc, ""), "ip neigh show": Result(0, neigh)})
    assert d.address_unused(ex, "10.77.0.100", "eth1") is want


def test_loopback_only_never_probes_another_address() -> None:
    ex = node({"ping": Result(1, ""), "ip neigh show": Result(0, "10.77.0.100 dev eth1  FAILED")})
    assert d.address_unused(ex, "10.77.0.100", "eth1") is None
    assert ex.calls == []


def test_suggest_vip_labels_a_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HA_WIZARD_LOOPBACK_ONLY", raising=False)
    # .100 answers ARP (taken), .200 is silent: .200 is suggested
    ex = node({"ping": Result(1, ""), "ip neigh show 10.77.0.100": Result(0, "10.77.0.100 dev eth1 lladdr a STALE"),
               "ip neigh show 10.77.0.200": Result(0, "10.77.0.200 dev eth1  FAILED")})
    found = d.suggest_vip(ex, "10.77.0.11", 24, "eth1", ["10.77.0.12"])
    assert found is not None and found.value == "10.77.0.200" and found.source.startswith("suggestion")


def test_peer_candidates_neighbours_first_then_next_door() -> None:
    addrs = {k: tuple(v) for k, v in d.parse_ip_j_addr(ALPHA_ADDR).items()}
    neigh = d.parse_neigh("10.77.0.40 dev eth1 lladdr 52:54:00:00:01:02 STALE\n"
                          "10.77.0.41 dev eth1  FAILED\n192.0.2.1 dev eth0 lladdr 52:54:00:12:35:02 REACHABLE\n")
    cands = [ip for ip, _ in d.peer_candidates(addrs, neigh)]
    assert cands == ["192.0.2.1", "192.0.2.12", "192.0.2.10", "10.77.0.40", "10.77.0.12", "10.77.0.10"]
    assert "127.0.0.2" not in cands and not any(c.startswith("fe80") for c in cands)


def test_suggest_peer_reports_only_what_answers_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HA_WIZARD_LOOPBACK_ONLY", raising=False)
    ex = node({"ip -j addr": Result(0, ALPHA_ADDR), "ip -4 neigh": Result(0, ""),
               "bash -c": Result(0, "open 10.77.0.12\n")})
    found = d.suggest_peer(ex)
    assert [f.value for f in found] == ["10.77.0.12"]
    assert "answers SSH" in found[0].source and "10.77.0.11 on eth1" in found[0].source
    knock = next(c for c in ex.calls if c[:2] == ["bash", "-c"])
    assert "10.77.0.12" in knock and "127.0.0.1" not in knock
