"""The headless printer: every step line names its host and how long it took; the summary gives the total
time and the initial sync's average speed."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from wizard.core.events import StepFinished, StepStarted, WaitProgress
from wizard.core.secrets import Redactor
from wizard.output.console import EventPrinter

MIB = 1048576


def printer() -> tuple[EventPrinter, io.StringIO]:
    out = io.StringIO()
    return EventPrinter(Console(file=out, width=200, color_system=None), Redactor(["s3cret-value"])), out


def test_step_lines_name_the_host_and_the_time() -> None:
    p, out = printer()
    for host in ("alpha", "bravo"):
        p(StepStarted(f"hosts@{host}", "/etc/hosts entries for both servers and the service", host))
        p(StepFinished(f"hosts@{host}", "done"))
    text = out.getvalue()
    assert "▶ [alpha] /etc/hosts entries" in text and "▶ [bravo] /etc/hosts entries" in text
    assert text.count("✓ done on alpha in ") == 1 and text.count("✓ done on bravo in ") == 1


def test_summary_has_the_total_and_the_sync_average() -> None:
    p, _ = printer()
    p(StepStarted("wait-sync", "initial sync", "alpha"))
    # 10 s at 2 MiB/s, then 10 s at 4 MiB/s: 60 MiB in 20 s = 3 MiB/s on average
    for at, pct, speed in ((10.0, 33.0, 2 * MIB), (20.0, 99.0, 4 * MIB), (21.0, 100.0, None)):
        p(WaitProgress("wait-sync", "alpha", "initial sync", at, 3600, pct, speed, 0, "SyncSource"))
    p(StepFinished("wait-sync", "done"))
    s = p.summary()
    assert s.startswith("took 0:00:0") and "the initial sync took 0:00:21 at 3.0 MiB/s on average" in s


def test_no_sync_no_sync_figure() -> None:
    p, _ = printer()
    assert "sync" not in p.summary()


def test_markup_in_titles_and_details_is_shown_as_typed() -> None:
    p, out = printer()
    p(StepStarted("x", "title with [brackets] and s3cret-value", "[odd]"))
    p(StepFinished("x", "skipped", "already [in place]"))
    text = out.getvalue()
    assert "▶ [[odd]] title with [brackets] and ********" in text and "already [in place]" in text


def test_a_stopped_headless_run_says_how_long_it_ran(monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """apply stops on a failed step: the time spent is printed before the error's sentence, as on success."""
    import argparse

    from wizard.cli import headless
    from wizard.errors import StepFailed

    class FakeSession:
        journal_dir = str(tmp_path)
        redactor = Redactor([])

        def close(self) -> None:
            pass

    class FakePrepared:
        journal = type("J", (), {"exists": False})()

        def change_note(self) -> str:
            return ""

    def failing_apply(session, prepared, *, confirm, bus):  # type: ignore[no-untyped-def]
        bus.publish(StepStarted("mount", "mount /replicated", "alpha"))
        bus.publish(StepFinished("mount", "failed", "exit 32"))
        raise StepFailed("mount /replicated on alpha: `mount` exited 32")

    monkeypatch.setattr(headless, "open_session", lambda answers, opts: FakeSession())
    monkeypatch.setattr(headless, "prepare", lambda session: FakePrepared())
    monkeypatch.setattr(headless, "apply", failing_apply)
    args = argparse.Namespace(yes=True, confirm=[], verbose=False, offline=False, journal_dir=None,
                              known_hosts=None, identity=None, accept_host_key=None)
    with pytest.raises(StepFailed):  # main prints its sentence
        headless.run_headless(args, "a.toml")
    out = capsys.readouterr().out
    assert "▶ [alpha] mount /replicated" in out and "✗ failed on alpha in " in out
    assert "Stopped; took 0:00:0" in out
