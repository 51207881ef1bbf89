"""The services' steps as tables: answers and node facts in, the plan's actions out (no host needed)."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.nodes import lab_spec
from helpers.services import SECRETS, by_id, ctx, node, runs

from wizard.core.actions import Check, MakeDir, Run, WaitFor, WriteFile
from wizard.core.plan import PlanContext
from wizard.errors import WizardError
from wizard.flow.tutorial import build_plan
from wizard.heartbeat.render import haresources_line
from wizard.output.describe import describe_plan
from wizard.services.files import HELPER, RELAY_CONF, RELAY_WRAPPER
from wizard.services.health import health_checks
from wizard.services.steps import services_steps


def test_nothing_enabled_nothing_planned() -> None:
    assert services_steps(ctx([])) == []


def test_order_and_hosts_for_three_services() -> None:
    steps = services_steps(ctx(["sendmail", "apache2", "postgresql"]))
    assert [(s.id, s.host) for s in steps] == [
        ("services-helper@node1", "node1"), ("services-helper@node2", "node2"),
        ("relay-sendmail@node1", "node1"), ("move-sendmail@node1", "node1"), ("relay-sendmail@node2", "node2"),
        ("link-sendmail@node2", "node2"), ("start-sendmail@node1", "node1"),
        ("move-apache2@node1", "node1"), ("link-apache2@node2", "node2"), ("start-apache2@node1", "node1"),
        ("move-postgresql@node1", "node1"), ("link-postgresql@node2", "node2"), ("start-postgresql@node1", "node1"),
    ]
    assert {s.kind for s in steps} == {"services"}
    # every step that runs a command proves itself done on the host, or is never skipped blindly
    for s in steps:
        assert s.checks, s.id


def test_the_move_on_the_master_is_every_visible_call() -> None:
    move = by_id(services_steps(ctx(["apache2"])))["move-apache2@node1"]
    assert runs(move) == [
        (HELPER, "remember-boot", "/var/lib/ha-wizard/services", "apache2.service"),
        ("systemctl", "disable", "apache2.service"),
        ("systemctl", "stop", "apache2.service"),
        (HELPER, "copy", "/replicated", "/etc/apache2"), (HELPER, "copy", "/replicated", "/var/www"),
        (HELPER, "verify", "/replicated", "/etc/apache2"), (HELPER, "verify", "/replicated", "/var/www"),
        (HELPER, "link", "/replicated", "/etc/apache2"), (HELPER, "link", "/replicated", "/var/www"),
    ]
    first = next(a for a in move.actions if isinstance(a, Run))
    assert first.confirm is not None and first.confirm.token == "apache2"
    assert "/etc/apache2, /var/www" in first.confirm.message and "node2" in first.confirm.message
    waits = [a for a in move.actions if isinstance(a, WaitFor)]
    assert [w.until for w in waits] == ["packages-match", "services-unused"]
    assert waits[0].args == ("apache2=2.4.71-1~deb12u1",)  # the version node2 has
    assert "/replicated/var/www" in waits[1].args  # a process holding the copy counts too
    resource = [a for a in move.actions if isinstance(a, WriteFile)]
    assert [(w.path, w.mode) for w in resource] == [("/etc/ha.d/resource.d/apache2", 0o755)]
    assert [c.until for c in move.checks] == ["services-linked", "unit-boot-off"]
    assert move.checks[0].args[:3] == ("target", "/etc/apache2", "/replicated/etc/apache2")


def test_the_slave_sets_its_folders_aside_and_links_them() -> None:
    link = by_id(services_steps(ctx(["apache2"])))["link-apache2@node2"]
    assert runs(link)[1:] == [
        ("systemctl", "disable", "apache2.service"), ("systemctl", "stop", "apache2.service"),
        (HELPER, "set-aside", "/replicated", "/etc/apache2"), (HELPER, "set-aside", "/replicated", "/var/www")]
    assert link.checks[0].args[0] == "link"  # the links dangle there: the disk is not mounted on the slave
    assert next(a for a in link.actions if isinstance(a, Run)).confirm.token == "apache2"  # type: ignore[union-attr]


def test_a_versioned_path_is_found_on_the_master() -> None:
    move = by_id(services_steps(ctx(["postgresql"])))["move-postgresql@node1"]
    assert (HELPER, "copy", "/replicated", "/etc/postgresql/15/main") in runs(move)
    assert (HELPER, "link", "/replicated", "/var/lib/postgresql/15/main") in runs(move)
    unprobed = PlanContext(spec=ctx(["postgresql"]).spec, secrets=SECRETS)
    assert (HELPER, "copy", "/replicated", "/etc/postgresql/*/main") in runs(services_steps(unprobed)[2])


def test_different_versions_stop_the_move_before_anything_changes() -> None:
    steps = by_id(services_steps(ctx(["postgresql"], p=node("node2", pg="16+257"))))
    wait = steps["move-postgresql@node1"].actions[0]
    assert isinstance(wait, WaitFor) and wait.args == ("postgresql=16+257",)


def test_the_start_goes_through_heartbeats_script_and_waits_for_an_answer() -> None:
    start = by_id(services_steps(ctx(["apache2"])))["start-apache2@node1"]
    assert runs(start) == [("/etc/ha.d/resource.d/apache2", "start")]
    wait = start.actions[-1]
    assert isinstance(wait, WaitFor) and wait.until == "service-answers" and "80" in wait.probe
    assert start.checks[0].until == "service-answers"


def test_the_resource_script_speaks_heartbeats_lsb() -> None:
    move = by_id(services_steps(ctx(["apache2"])))["move-apache2@node1"]
    script = next(a for a in move.actions if isinstance(a, WriteFile)).content
    assert 'unit=apache2.service' in script
    assert 'echo "$unit is running"' in script and "exit 3" in script
    assert "stopped" in script and "not running" not in script  # Heartbeat reads *running* as running
    assert "mask" not in script.split("esac")[0].split("unit=")[1]


def test_a_masked_recipe_unmasks_to_start_and_masks_when_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard.services import recipes as recipes_mod

    masked = dataclasses.replace(recipes_mod.load_recipes()["apache2"], mask=True)
    monkeypatch.setattr("wizard.services.steps.enabled_recipes", lambda spec: [masked])
    steps = by_id(services_steps(ctx(["apache2"])))
    move = steps["move-apache2@node1"]
    assert ("systemctl", "mask", "apache2.service") in runs(move)
    assert move.checks[1].args == ("mask",)
    script = next(a for a in move.actions if isinstance(a, WriteFile)).content
    assert 'systemctl unmask --quiet "$unit"' in script and 'systemctl mask --quiet "$unit"' in script


@pytest.mark.parametrize("mask", [False, True], ids=["plain", "mask-recipe"])
def test_under_pacemaker_a_unit_is_unmasked_and_disabled_never_masked(monkeypatch: pytest.MonkeyPatch,
                                                                      mask: bool) -> None:
    """Pacemaker's systemd class cannot start a masked unit: even a recipe with mask = true (and a unit found
    masked on the node) ends disabled only, and the check refuses "masked"."""
    from wizard.services import recipes as recipes_mod

    recipe = dataclasses.replace(recipes_mod.load_recipes()["apache2"], mask=mask)
    monkeypatch.setattr("wizard.services.steps.enabled_recipes", lambda spec: [recipe])
    steps = by_id(services_steps(dataclasses.replace(ctx(["apache2"]), stack="pacemaker")))
    for sid in ("move-apache2@node1", "link-apache2@node2"):
        calls = runs(steps[sid])
        assert calls[1:3] == [("systemctl", "unmask", "apache2.service"), ("systemctl", "disable", "apache2.service")]
        assert ("systemctl", "mask", "apache2.service") not in calls
        boot = next(c for c in steps[sid].checks if c.until == "unit-boot-off")
        assert boot.args == ("disabled",)
        assert not [a for a in steps[sid].actions if isinstance(a, WriteFile)]  # no Heartbeat resource script


def test_under_heartbeat_nothing_is_unmasked() -> None:
    move = by_id(services_steps(ctx(["apache2"])))["move-apache2@node1"]
    assert ("systemctl", "unmask", "apache2.service") not in runs(move)
    assert next(c for c in move.checks if c.until == "unit-boot-off").args == ()


def test_sendmail_relay_uses_the_installed_relay_and_the_service_address() -> None:
    steps = by_id(services_steps(ctx(["sendmail"])))
    relay = steps["relay-sendmail@node2"]
    assert "msmtp (installed)" in relay.title
    assert not [r for r in runs(relay) if r[0] == "apt-get"]
    files = {a.path: a for a in relay.actions if isinstance(a, WriteFile)}
    assert "exec /usr/bin/msmtp -C /etc/ha-wizard/relay.conf" in files[RELAY_WRAPPER].content
    assert "host 10.99.0.100\nport 25\n" in files[RELAY_CONF].content
    assert MakeDir("/etc/ha-wizard") in relay.actions
    assert runs(relay)[-1] == (HELPER, "under-link", "/replicated", "/usr/sbin/sendmail", RELAY_WRAPPER)
    assert [c.until for c in relay.checks] == ["exit-zero", "sha256", "sha256", "under-mount-link"]
    move = steps["move-sendmail@node1"]
    assert runs(move)[-2:] == [(HELPER, "disk-link", "/replicated", "/usr/sbin/sendmail"),
                               (HELPER, "link-to", "/usr/sbin/sendmail", "/replicated/usr/sbin/sendmail")]
    assert runs(steps["link-sendmail@node2"])[-1] == (HELPER, "link-to", "/usr/sbin/sendmail",
                                                      "/replicated/usr/sbin/sendmail")
    assert "Debian's listens on 127.0.0.1 only" in relay.why


def test_the_relay_is_installed_where_none_is_and_relay_host_wins() -> None:
    steps = by_id(services_steps(ctx(["sendmail"], p=node("node2", programs={}), relay_host="mail.example:587")))
    relay = steps["relay-sendmail@node2"]
    assert "msmtp (installed now)" in relay.title and "ssmtp conflicts with sendmail" in relay.why
    assert runs(relay)[0] == ("apt-get", "install", "-y", "--no-install-recommends", "msmtp")
    conf = next(a for a in relay.actions if isinstance(a, WriteFile) and a.path == RELAY_CONF)
    assert "host mail.example\nport 587\n" in conf.content
    ssmtp = by_id(services_steps(ctx(["sendmail"], p=node("node2", programs={"ssmtp": "/usr/sbin/ssmtp"}))))
    conf = next(a for a in ssmtp["relay-sendmail@node2"].actions if isinstance(a, WriteFile) and a.path == RELAY_CONF)
    assert "mailhub=10.99.0.100:25" in conf.content


def test_two_recipes_may_not_move_the_same_folder() -> None:
    with pytest.raises(WizardError, match="apache2 and nginx both move /var/www"):
        services_steps(ctx(["apache2", "nginx"]))


def test_the_plan_shows_every_copy_and_link_per_host() -> None:
    c = ctx(["sendmail", "apache2", "postgresql"])
    text = describe_plan(build_plan(c), None, lambda s: s)
    for path in ("/etc/mail", "/var/spool/mqueue-client", "/etc/apache2", "/var/lib/postgresql/15/main"):
        for verb in ("copy", "verify", "link"):
            assert f"run: {HELPER} {verb} /replicated {path}" in text
        assert f"run: {HELPER} set-aside /replicated {path}" in text
    assert "run: systemctl disable sendmail.service" in text and "asks you to type 'postgresql' first" in text
    kinds = [s.kind for s in build_plan(c)]
    assert kinds.index("mount") < kinds.index("services") < kinds.index("heartbeat-files")


def test_haresources_names_the_init_scripts_and_health_checks_cover_each_recipe() -> None:
    c = ctx(["sendmail", "apache2", "postgresql"])
    assert haresources_line(c).endswith("ha-wizard-ip::10.99.0.100/24/eth1 sendmail apache2 postgresql")
    checks = health_checks(c)
    assert [name for name, _ in checks] == ["sendmail", "apache2", "postgresql"]
    assert all(isinstance(chk, Check) for _, chk in checks)
    assert checks[2][1].probe == ("timeout", "10", "pg_isready", "-q")
    assert checks[0][1].probe[-1] == "25"


def test_the_custom_recipe_comes_from_the_answers() -> None:
    custom = {"unit": "myapp.service", "paths": ["/etc/myapp", "/srv/myapp/data"], "health_port": 8080}
    spec = lab_spec(lambda raw: (raw["recipes"].update(enabled=["custom"]), raw.update(custom=custom)))
    c = PlanContext(spec=spec, secrets=SECRETS)
    move = by_id(services_steps(c))["move-custom@node1"]
    assert (HELPER, "copy", "/replicated", "/srv/myapp/data") in runs(move)
    assert isinstance(move.actions[0], WaitFor) and move.actions[0].probe[:2] == ("systemctl", "cat")
    assert haresources_line(c).endswith(" myapp")
    assert health_checks(c)[0][1].probe[-1] == "8080"


def test_the_originals_are_forgotten_only_on_request_with_consent() -> None:
    from wizard.services.steps import forget_originals_steps

    c = ctx(["apache2"])
    assert not [s for s in build_plan(c) if "forget" in s.id]
    steps = forget_originals_steps(c)
    calls = [(HELPER, "forget-orig", "/etc/apache2"), (HELPER, "forget-orig", "/var/www")]
    assert [(s.id, runs(s)) for s in steps] == [(f"forget-originals-apache2@{n}", calls) for n in ("node1", "node2")]
    assert {cf.token for s in steps for cf in s.confirmations} == {"apache2"}
