"""Pilot tests of the form screens: navigation, field validation (the CLI's sentences), modals."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from textual.widgets import Input
from tuikit import goto, local_answers, screen_text, until

from screens.modals import HelpModal, HostKeyModal, PasswordModal, QuitModal
from wizard.core.journal import Journal
from wizard.core.spec import spec_from_dict
from wizard.errors import AnswersError

pytestmark = pytest.mark.asyncio


def cli_sentence(raw: dict, key_prefix: str) -> str:
    """What `ha-wizard plan` would say about the same draft."""
    with pytest.raises(AnswersError) as e:
        spec_from_dict(raw)
    return next(p for p in e.value.problems if p.startswith(key_prefix))


async def type_into(pilot, app, selector: str, text: str) -> None:
    box = app.screen.query_one(selector, Input)
    box.value = ""
    box.focus()
    await pilot.press(*text) if text else await pilot.pause()


async def test_welcome_then_forward_and_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.NAME == "welcome" and app.screen.ready)
        assert "No earlier run" in screen_text(app)
        assert "never contacted" in screen_text(app)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "nodes" and app.screen.ready)
        assert "Step 2 of 11: Nodes" in screen_text(app)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "disks" and app.screen.ready)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.NAME == "nodes" and app.screen.ready)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.NAME == "welcome" and app.screen.ready)


async def test_welcome_offers_resume_and_says_where_it_stopped(make_app, tmp_path: Path) -> None:
    jd = tmp_path / "journal"
    j = Journal.open(jd)
    j.answers = local_answers(tmp_path)
    j.record("hosts@server1", "done", "server1", "d1")
    j.record("mount", "failed", "server1", "d2", "mount: /replicated: wrong fs type")
    app = make_app(answers=None, journal_dir=str(jd))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "stopped at 'mount'" in screen_text(app))
        text = screen_text(app)
        assert "on server1 (failed: mount: /replicated: wrong fs type)" in text
        assert app.screen.query_one("#resume-row").display
        await pilot.click("#resume")
        await until(pilot, lambda: app.screen.NAME == "review" and app.screen.ready)
        assert app.st.node("peer")["address"] == "127.0.0.2"  # the journal's answers were loaded
    assert Journal.open(jd).steps["mount"].status == "failed"  # looking changed nothing


async def test_help_on_every_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for name in ("welcome", "nodes", "disks", "hosts", "drbd", "services", "heartbeat", "review"):
            await goto(app, pilot, name)
            app.screen.query_one("#next").focus()
            await pilot.press("f1")
            await until(pilot, lambda: isinstance(app.screen, HelpModal))
            assert len(app.screen._text) > 80
            await pilot.press("escape")
            await until(pilot, lambda n=name: n == app.screen.NAME)


async def test_nodes_bad_address_is_one_sentence(make_app, tmp_path: Path) -> None:
    app = make_app(answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "nodes")
        await type_into(pilot, app, "#ssh", "bad host")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: "is not an address" in screen_text(app))
        assert app.screen.NAME == "nodes"
        await type_into(pilot, app, "#port", "70000")
        await type_into(pilot, app, "#ssh", "127.0.0.2")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: "port out of range (use 1-65535)" in screen_text(app))


async def test_nodes_host_key_fingerprint_then_key_install(make_app, fake_core, tmp_path: Path) -> None:
    app = make_app(answers=local_answers(tmp_path), dry_run=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "nodes")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, HostKeyModal))
        assert "SHA256:fakeFingerPrintForTests" in screen_text(app)
        await pilot.click("#yes")
        await until(pilot, lambda: "refused this machine's key" in screen_text(app))
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, PasswordModal))
        app.screen.query_one("#password", Input).focus()
        await pilot.press(*"hunter2-pw", "enter")
        await until(pilot, lambda: "installed id_ed25519.pub" in screen_text(app))
        assert fake_core.installed == [("127.0.0.2", "<password given>")]
        assert "hunter2-pw" not in repr(app.st)
        await pilot.press("f5")
        await until(pilot, lambda: "it calls itself 'server2'" in screen_text(app))


async def test_nodes_refused_host_key_stops(make_app, tmp_path: Path) -> None:
    app = make_app(answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "nodes")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, HostKeyModal))
        await pilot.press("escape")
        await until(pilot, lambda: "Host key not trusted" in screen_text(app))
        assert app.screen.query_one("#install").disabled  # dry run: no key installation


async def test_disks_table_pairs_warnings_and_usable_size(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "disks")
        await until(pilot, lambda: "usable size: 8.0 GiB" in screen_text(app))
        assert "Equal-size pairs: /dev/sda1 ↔" not in screen_text(app)  # in use: not offered
        assert "/dev/sda5 ↔ /dev/sda5 (8.0 GiB)" in screen_text(app)
        table = app.screen.query_one("#parts")
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")  # server1 /dev/sda1, mounted on /
        await until(pilot, lambda: "is in use (mounted on /)" in screen_text(app))
        assert app.screen.query_one("#disk-master", Input).value == "/dev/sda1"
        await type_into(pilot, app, "#disk-master", "/dev/sdb1")
        await type_into(pilot, app, "#disk-peer", "/dev/sdb1")
        await until(pilot, lambda: "differ in size (4.0 GiB and 2.0 GiB)" in screen_text(app))
        assert "holds a ext3 filesystem" in screen_text(app)


async def test_disks_bad_path_gives_the_cli_sentence(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "disks")
        await type_into(pilot, app, "#disk-peer", "sda5")
        await pilot.press("ctrl+n")
        raw = copy.deepcopy(app.st.raw)
        want = cli_sentence(raw, "nodes[2].disk")
        await until(pilot, lambda: want in screen_text(app))
        assert want == "nodes[2].disk = 'sda5': must be a partition path like /dev/sda5"
        assert app.screen.NAME == "disks"


async def test_hosts_validation_and_uname_check(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "hosts")
        await until(pilot, lambda: "✓ 'server2' matches uname -n" in screen_text(app))
        await type_into(pilot, app, "#vip", "300.1.1.1")
        await type_into(pilot, app, "#name-peer", "server1")
        await pilot.press("ctrl+n")
        want = "service.vip = '300.1.1.1': not a valid IP address (write it like 192.168.1.5)"
        await until(pilot, lambda: want in screen_text(app))
        assert "the name 'server1' is used twice" in screen_text(app)
        assert "peer: uname -n says 'server2'" in screen_text(app)
        await type_into(pilot, app, "#name-peer", "server2")
        await type_into(pilot, app, "#vip", "192.168.1.5")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "drbd" and app.screen.ready)


async def test_hosts_wrong_master_name_blocks_a_real_run(make_app, tmp_path: Path) -> None:
    app = make_app(answers=local_answers(tmp_path), dry_run=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "hosts")
        await type_into(pilot, app, "#name-master", "alpha")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: "this machine calls itself 'server1' (uname -n)" in screen_text(app))
        assert app.screen.NAME == "hosts"
        assert app.st.raw["cluster"]["master"] == "alpha"  # renaming the master follows in [cluster]


async def test_drbd_fields_secret_masked_and_validated(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "drbd")
        await until(pilot, lambda: "eth1 runs at 1000 Mb/s" in screen_text(app))
        secret = app.st.shared_secret
        assert len(secret) >= 16 and secret not in screen_text(app)
        assert "********" in screen_text(app)
        await pilot.press("f7")
        await until(pilot, lambda: app.st.shared_secret != secret)
        assert app.st.shared_secret not in screen_text(app)
        await type_into(pilot, app, "#ko_count", "-1")
        await type_into(pilot, app, "#sync_rate", "fast")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: "drbd.ko_count = -1: must be 0 or more" in screen_text(app))
        assert "drbd.sync_rate = 'fast': write a rate like 100M" in screen_text(app)
        assert app.screen.NAME == "drbd"


async def test_heartbeat_profile_and_the_services_placeholder(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "heartbeat")
        assert "tutorial: keepalive 2, deadtime 120" in screen_text(app)  # the tutorial answers' profile
        assert "two minutes of silence" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.NAME == "services" and app.screen.ready)
        await until(pilot, lambda: "Not installed on both: bind9" in screen_text(app))
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "heartbeat" and app.screen.ready)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "review" and app.screen.ready)


async def test_heartbeat_agents_show_the_chain_as_haresources_will_say_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "heartbeat")
        lean = ("haresources: server1 drbddisk::drbd0 ha-wizard-mount::/dev/drbd0::/replicated::ext3 "
                "ha-wizard-ip::192.168.1.5/24/eth0 sendmail")
        await until(pilot, lambda: lean in " ".join(screen_text(app).split()))
        from textual.widgets import Select

        app.screen.query_one("#agents", Select).value = "stock"
        await until(pilot, lambda: "Filesystem::/dev/drbd0::/replicated::ext3 IPaddr2::192.168.1.5/24/eth0"
                    in " ".join(screen_text(app).split()))
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "review")
        assert app.st.raw["heartbeat"]["agents"] == "stock"  # saved into the answers being edited


async def test_review_without_answers_lists_what_is_missing(make_app) -> None:
    app = make_app(answers=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "review")
        await until(pilot, lambda: "not complete yet" in screen_text(app))
        assert "service.vip = '': not a valid IP address" in screen_text(app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.NAME == "review"


async def test_quit_keeps_the_journal(make_app, tmp_path: Path) -> None:
    jd = tmp_path / "journal"
    Journal.open(jd).record("hosts@server1", "done", "server1", "d1")
    before = (jd / "journal.json").read_bytes()
    app = make_app(journal_dir=str(jd))
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "hosts")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitModal))
        assert "The journal in" in screen_text(app)
        await pilot.press("enter")
        await until(pilot, lambda: not app.is_running)
    assert (jd / "journal.json").read_bytes() == before


async def test_answers_saved_without_secrets_then_with(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "review")
        await until(pilot, lambda: app.st.facts.get("plan") is not None)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "run" and app.screen.ready)
        saved = Path(app.st.saved_to)
        text = saved.read_text()
        assert app.st.shared_secret not in text and "shared_secret" not in text
        assert tomllib.loads(text)["nodes"][1]["address"] == "192.168.1.2"
        # ask for the secrets: DRBD screen's box, then save again
        app.st.raw["wizard"]["keep_secrets_in_answers"] = True
        app.core.save(app.st)
        assert f'shared_secret = "{app.st.shared_secret}"' in saved.read_text()
        assert saved.stat().st_mode & 0o777 == 0o600


async def test_unreadable_answers_are_one_sentence_and_the_walk_goes_on(make_app, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[cluster\nmaster = 'x'\n")
    app = make_app(answers=str(bad))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.NAME == "welcome" and app.screen.ready)
        assert "not valid TOML" in screen_text(app) and "start from defaults" in screen_text(app)
        assert app.st.node("master")["name"] == "server1"  # defaults: this machine is the master
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "nodes" and app.screen.ready)


async def test_hosts_interface_uses_the_shared_validator(make_app) -> None:
    from wizard.core import validate

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "hosts")
        app.screen.query_one("#iface", Input).value = "; rm -rf /"
        await pilot.press("ctrl+n")
        want = cli_sentence(copy.deepcopy(app.st.raw), "service.interface")
        assert want == f"service.interface = '; rm -rf /': {validate.interface('; rm -rf /')}"
        await until(pilot, lambda: want in screen_text(app))
        assert app.screen.NAME == "hosts"


async def test_the_cluster_manager_choice_plans_pacemaker_in_review(make_app) -> None:
    """The stack is a choice with one plain line each; Pacemaker's plan is shown whole in Review."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "heartbeat")
        assert "Cluster manager, its timing and media" in screen_text(app)
        assert "The tutorial's; unmaintained for ten years." in " ".join(screen_text(app).split())
        from textual.widgets import Select

        app.screen.query_one("#stack", Select).value = "pacemaker"
        await until(pilot, lambda: "can power off a hung node (STONITH)" in " ".join(screen_text(app).split()))
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "review" and "plan" in app.st.facts, timeout=60)
        assert app.st.raw["cluster"]["stack"] == "pacemaker"  # saved into the answers being edited
        plan = app.st.facts["plan"].text
        assert "cluster stack: pacemaker (cluster.stack in the answers)" in plan
        assert "load the CIB (crm configure load update)" in plan and "not implemented" not in plan
