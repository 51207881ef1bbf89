"""A drill's phases from the watcher's raw result (table), and the report the admin keeps."""

from __future__ import annotations

from typing import Any

from wizard.failover.result import measure, report, summary
from wizard.heartbeat.drill import DETECT


def judge(until: str, args: tuple[str, ...], rc: int, out: str) -> bool:
    return rc == 0 and args[0] in out


def raw(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "armed": 100.0, "event_go": None, "last_seen": 110.0, "acks": 500,
        "first": {"promote": 121.0, "mount": 125.5, "ip": 130.0},
        "services": {"apache2": [[130.5, 1, "refused"], [133.0, 0, "HTTP/1.1 200 OK"]]},
        "log": [[105.0, "info: Link node1:eth1 up."], [118.9, "WARN: node node1: is dead"],
                [119.5, "info: Resources being acquired from node1."]],
        "records": {"acked": 500, "present": 502, "missing": [], "missing_count": 0}, "timed_out": False}
    base.update(over)
    return base


def test_hard_phases_from_the_last_sign_of_life() -> None:
    m = measure(raw(), mode="hard", source="node1", target="node2", stack="Heartbeat", detect=DETECT,
                services=[("apache2", "output-contains", ("HTTP/1.",))], judge=judge)
    assert [(p.name, p.seconds) for p in m.phases] == [
        ("detection", 8.9), ("DRBD Primary", 11.0), ("mounted", 15.5), ("service address up", 20.0),
        ("apache2 answering", 23.0)]
    assert m.rto == 23.0 and m.writes_ok
    text = report(m, settings="deadtime 8", final=["node2 SERVES"])
    assert "| detection | 8.9 |" in text and "500 acknowledged writes, every one present" in text
    assert "RTO 23.0 s" in summary(m)


def test_missing_writes_and_an_incomplete_takeover_are_said() -> None:
    m = measure(raw(first={"promote": 121.0}, records={"acked": 10, "present": 8, "missing": [9, 10],
                                                          "missing_count": 2}, timed_out=True),
                mode="hard", source="node1", target="node2", stack="Heartbeat", detect=DETECT, services=[],
                judge=judge)
    assert m.rto is None and not m.complete and not m.writes_ok
    assert "2 of 10 acknowledged writes are MISSING" in summary(m) and "NOT COMPLETE" in summary(m)


def test_graceful_event_is_the_hand_over() -> None:
    m = measure(raw(event_go=115.0), mode="graceful", source="node1", target="node2", stack="Heartbeat",
                detect=DETECT, services=[], judge=judge)
    assert m.phases[0].seconds == 3.9 and m.rto == 15.0


def test_no_event_no_numbers() -> None:
    m = measure(raw(last_seen=None), mode="hard", source="node1", target="node2", stack="Heartbeat",
                detect=DETECT, services=[], judge=judge)
    assert m.rto is None and "never saw the event" in m.notes[0]


def test_live_lines_show_each_new_phase_once_and_wait_for_a_torn_line() -> None:
    from wizard.failover.result import live_lines

    text = ('{"phase": "detection", "t": 12.5, "event": 10.0}\n{"phase": "promote", "t": 13.0, "event": 10.0}\n'
            '{"phase": "service:apache2", "t": 1')
    lines, shown = live_lines(text, 0, "node2")
    assert shown == 2 and lines == ["detection: 2.5 s after the event, seen on node2",
                                    "DRBD Primary: 3.0 s after the event, seen on node2"]
    more, shown = live_lines(text[:text.rindex("1")] + '14.25, "event": 10.0}\n', shown, "node2")
    assert shown == 3 and more == ["apache2 answering: 4.2 s after the event, seen on node2"]
    assert live_lines("not json\n", 0, "node2") == ([], 1)
