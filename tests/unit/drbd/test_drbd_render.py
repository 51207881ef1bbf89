"""The DRBD configuration per syntax: values from the answers, rates, handlers, fencing, layout."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess

import jinja2
import pytest
from helpers.golden import KNOWN, context

from wizard.core.plan import PlanContext
from wizard.drbd import render
from wizard.heartbeat.render import HEARTBEAT_LIBEXEC


def _drbd(ctx: PlanContext, **drbd: object) -> PlanContext:
    spec = dataclasses.replace(ctx.spec, drbd=dataclasses.replace(ctx.spec.drbd, **drbd))
    return dataclasses.replace(ctx, spec=spec)


def _statements(text: str) -> list[str]:
    return [" ".join(ln.split("#", 1)[0].split()) for ln in text.splitlines() if ln.split("#", 1)[0].strip()]


@pytest.mark.parametrize("family", ["8.3", "8.4", "9"])
def test_tutorial_values_and_the_fixed_address(family: str) -> None:
    text = render.drbd_text(context("tutorial", family))
    st = _statements(text)
    assert "address 192.168.1.1:7788;" in st and "address 192.168.1.2:7788;" in st
    assert "192.168.1.3" not in text  # the tutorial's typo
    for want in ("protocol C;", "timeout 120;", "connect-int 20;", "ping-int 20;", "max-buffers 2048;",
                 "max-epoch-size 2048;", "ko-count 30;", "cram-hmac-alg sha1;",
                 f'shared-secret "{KNOWN.shared_secret}";', "al-extents 257;", "wfc-timeout 0;",
                 "degr-wfc-timeout 120;", "on-io-error detach;", "device /dev/drbd0;", "disk /dev/sda5;",
                 "meta-disk internal;", "after-sb-0pri discard-zero-changes;", "after-sb-1pri discard-secondary;",
                 "after-sb-2pri disconnect;"):
        assert want in st, want
    assert st.count("device /dev/drbd0;") == 2


def test_syntax_per_family() -> None:
    s83 = _statements(render.drbd_text(context("tutorial", "8.3")))
    assert s83[:3] == ["global {", "usage-count no;", "}"]
    assert s83[s83.index("syncer {") + 1:s83.index("syncer {") + 3] == ["rate 10M;", "al-extents 257;"]
    s84 = _statements(render.drbd_text(context("tutorial", "8.4")))
    assert "syncer {" not in s84 and "global {" not in s84 and "node-id 0;" not in s84
    disk = s84[s84.index("disk {"):s84.index("net {")]
    assert {"resync-rate 10M;", "c-plan-ahead 20;", "c-max-rate 10M;", "c-fill-target 1M;",
            "al-extents 257;"} <= set(disk)
    s9 = _statements(render.drbd_text(context("tutorial", "9")))
    assert s9.index("on server1 {") + 1 == s9.index("node-id 0;")
    assert "node-id 1;" in s9 and "hosts server1 server2;" in s9 and "connection-mesh {" in s9


@pytest.mark.parametrize(("family", "sync_rate", "link", "want"), [
    ("8.3", "10M", None, ("10M", False, None)),
    ("8.3", "", None, ("30M", False, None)),  # 30% of an assumed gigabit link
    ("8.3", "", "200M", ("60M", False, None)),
    ("8.4", "10M", None, ("10M", True, "10M")),
    ("8.4", "", None, ("33M", True, "100M")),  # never the 250K ramp-up of an unset resync-rate
    ("9", "", "117M", ("39M", True, "117M")),
    ("8.4", "", 125_000_000, ("39M", True, "119M")),  # bytes per second, as a probe may report it
    ("8.4", "100K", None, ("100K", False, None)),  # below c-max-rate's floor: a fixed rate
])
def test_resync_rate(family: str, sync_rate: str, link: object, want: tuple[str, bool, str | None]) -> None:
    ctx = _drbd(context("lab", family), sync_rate=sync_rate)
    if link is not None:
        ctx = dataclasses.replace(ctx, facts={"link_rate": link})
    r = render.resync_rate(ctx)
    assert (r.start, r.controller, r.max if r.controller else None) == want
    st = _statements(render.drbd_text(ctx))
    if family == "8.3":
        assert f"rate {want[0]};" in st
    else:
        assert f"resync-rate {want[0]};" in st
        assert ("c-plan-ahead 20;" in st) == want[1] and ("c-plan-ahead 0;" in st) == (not want[1])
        if want[2]:
            assert f"c-max-rate {want[2]};" in st


@pytest.mark.parametrize("family", ["8.3", "8.4", "9"])
def test_handlers_use_debians_notify_scripts(family: str) -> None:
    text = render.drbd_text(context("lab-dopd", family if family != "9" else "8.4"))
    scripts = re.findall(r"(/usr/lib/drbd/notify-[a-z-]+\.sh) admin@example\.com", text)
    assert sorted(set(scripts)) == ["/usr/lib/drbd/notify-pri-lost-after-sb.sh",
                                    "/usr/lib/drbd/notify-pri-on-incon-degr.sh",
                                    "/usr/lib/drbd/notify-split-brain.sh"]
    if not os.path.isdir("/usr/lib/drbd"):
        pytest.skip("drbd-utils is not installed here: cannot confirm the scripts' paths")
    for s in scripts:
        assert os.access(s, os.X_OK), f"{s} is not in drbd-utils"


def test_dopd_fencing_is_off_by_default_and_complete_when_on() -> None:
    off = _statements(render.drbd_text(context("lab", "8.4")))
    assert not any(s.startswith(("fencing", "fence-peer")) for s in off)
    on = _statements(render.drbd_text(context("lab-dopd", "8.4")))
    assert "fencing resource-only;" in on[on.index("disk {"):on.index("net {")]
    assert 'fence-peer "/usr/libexec/heartbeat/drbd-peer-outdater -t 5";' in on
    text9 = _statements(render.drbd_text(_drbd(context("lab", "9"), fencing="dopd")))
    assert "fencing resource-only;" in text9[text9.index("net {"):]  # DRBD 9 moved it to net


def test_dopd_paths_are_where_debians_heartbeat_puts_them() -> None:
    if shutil.which("dpkg") is None:
        pytest.skip("no dpkg here")
    r = subprocess.run(["dpkg", "-L", "heartbeat"], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip("Debian's heartbeat package is not installed here")
    shipped = set(r.stdout.split())
    assert f"{HEARTBEAT_LIBEXEC}/drbd-peer-outdater" in shipped
    assert f"{HEARTBEAT_LIBEXEC}/dopd" in shipped


def test_files_layout_modes_and_secrets() -> None:
    f84 = render.drbd_files(context("tutorial", "8.4"), "server1")
    assert [(f.path, f.mode, f.secret) for f in f84] == [
        ("/etc/drbd.conf", 0o644, False), ("/etc/drbd.d/global_common.conf", 0o644, False),
        ("/etc/drbd.d/drbd0.res", 0o600, True)]
    assert 'include "drbd.d/*.res";' in f84[0].content and "usage-count no;" in f84[1].content
    f83 = render.drbd_files(context("tutorial", "8.3"), "server2")
    assert [(f.path, f.mode, f.secret) for f in f83] == [("/etc/drbd.conf", 0o600, True)]
    assert render.drbd_files(context("tutorial", "9"), "server1") == render.drbd_files(context("tutorial", "9"),
                                                                                     "server2")


@pytest.mark.parametrize(("path", "name"), [("/etc/drbd.conf", "drbd.conf"),
                                            ("/etc/drbd.d/global_common.conf", "global_common.conf")])
def test_debian_files_are_verbatim(path: str, name: str) -> None:
    """On a Debian node the distribution's own files stay untouched: ours are byte-identical copies."""
    conffiles = subprocess.run(["dpkg-query", "-W", "-f=${Conffiles}", "drbd-utils"], capture_output=True,
                               text=True, check=False).stdout if shutil.which("dpkg-query") else ""
    want = dict(ln.split()[:2] for ln in conffiles.splitlines() if ln.strip()).get(path)
    if not want:
        pytest.skip("Debian's drbd-utils is not installed here")
    assert hashlib.md5(render.debian_file(name).encode()).hexdigest() == want


def test_strict_undefined_refuses_a_missing_value() -> None:
    values = render.drbd_values(context("lab", "8.4"))
    del values["al_extents"]
    with pytest.raises(jinja2.UndefinedError, match="al_extents"):
        render.render("drbd/resource-8.4.res.j2", d=values)


def test_ipv6_addresses() -> None:
    ctx = context("lab", "8.4")
    nodes = tuple(dataclasses.replace(n, address=a) for n, a in zip(ctx.spec.nodes, ("fd00::1", "fd00::2"),
                                                                       strict=True))
    ctx = dataclasses.replace(ctx, spec=dataclasses.replace(ctx.spec, nodes=nodes))
    assert "address ipv6 [fd00::1]:7788;" in _statements(render.drbd_text(ctx))


def test_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown DRBD syntax '8.2'"):
        render.drbd_text(dataclasses.replace(context("lab", "8.4"), drbd_family="8.2"))
