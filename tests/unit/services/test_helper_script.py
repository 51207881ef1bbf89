"""The real ``ha-wizard-services`` script on real folders: copy, verify, link, set aside, undo, the link under
the mount point, an interrupted copy, a full disk.

The replicated disk is a bind mount of a temporary folder made inside a private mount namespace (``unshare
-m``) for each call, so the host's mounts never change and the disk's content outlives the call. Needs root
(mount, chown); skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from wizard.core.conditions import Conditions
from wizard.executors.result import Result
from wizard.services.conditions import CONDITIONS, UNDER_PROBE
from wizard.services.files import helper_file

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                                reason="needs root and unshare (mounts in a private namespace)")


@dataclass
class Rig:
    tmp: Path
    script: Path
    mount: Path  # the mount point (what lies under it is the root filesystem's)
    disk: Path  # what is mounted on it

    def path(self, rel: str) -> Path:
        return self.tmp / "root" / rel

    def run(self, *args: str | Path, mounted: bool = True, tmpfs: str = "") -> subprocess.CompletedProcess[str]:
        argv = [str(self.script), *map(str, args)]
        if mounted:
            how = f"mount -t tmpfs -o size={tmpfs} none \"$1\"" if tmpfs else 'mount --bind "$2" "$1"'
            argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", f'{how} && shift 2 && exec "$@"',
                    "sh", str(self.mount), str(self.disk), *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def ok(self, *args: str | Path, mounted: bool = True) -> str:
        r = self.run(*args, mounted=mounted)
        assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stdout}{r.stderr}"
        return r.stdout


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    script = tmp_path / "ha-wizard-services"
    script.write_text(helper_file().content)
    script.chmod(0o755)
    r = Rig(tmp_path, script, tmp_path / "replicated", tmp_path / "disk")
    r.mount.mkdir()
    r.disk.mkdir()
    mail = r.path("etc/mail")
    (mail / "m4").mkdir(parents=True)
    (mail / "sendmail.mc").write_text("DAEMON_OPTIONS(`Addr=127.0.0.1')\n")
    (mail / "access").write_text("secret relay list\n")
    os.chmod(mail / "access", 0o600)
    os.chown(mail / "m4", 65534, 65534)
    os.chmod(mail / "m4", 0o2750)
    (mail / "m4" / "x.m4").write_bytes(os.urandom(5000))
    (r.path("etc") / "aliases").write_text("root: admin\n")
    os.symlink("../aliases", mail / "aliases")  # leads out of the folder: must keep leading to /etc/aliases
    os.lchown(mail / "aliases", 0, 65534)  # Debian's is root:smmsp, unlike the file it leads to
    os.symlink("m4/x.m4", mail / "inside")  # stays inside: stays relative
    return r


def test_copy_verify_link_moves_a_folder_with_everything_it_holds(rig: Rig) -> None:
    mail = rig.path("etc/mail")
    before = sorted(p.name for p in mail.rglob("*"))
    out = rig.ok("copy", rig.mount, mail)
    assert "copied" in out and "made mail.ha-wizard-partial/aliases absolute" in out
    copy = rig.disk / str(mail).lstrip("/")
    assert copy.is_dir() and not Path(f"{copy}.ha-wizard-partial").exists()
    assert "matches" in rig.ok("verify", rig.mount, mail)
    rig.ok("link", rig.mount, mail)
    assert os.readlink(mail) == f"{rig.mount}{mail}"
    orig = Path(f"{mail}.ha-wizard-orig")
    assert sorted(p.name for p in orig.rglob("*")) == before
    # owners, modes (setgid included), content, links
    st = (copy / "m4").stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (65534, 65534, 0o2750)
    assert (copy / "access").stat().st_mode & 0o777 == 0o600
    assert (copy / "m4" / "x.m4").read_bytes() == (orig / "m4" / "x.m4").read_bytes()
    assert os.readlink(copy / "aliases") == str(rig.path("etc/aliases"))
    assert os.readlink(copy / "inside") == "m4/x.m4"
    assert copy.stat().st_mtime == orig.stat().st_mtime  # fixing a link left the folder's time as cp -a made it
    # the folders above the copy are made like the originals' (here: the test's own tmp path)
    assert (rig.disk / str(rig.path("etc")).lstrip("/")).stat().st_mode == rig.path("etc").stat().st_mode
    # every command again: nothing to do, nothing changed
    for cmd in ("copy", "verify", "link"):
        assert "already" in rig.ok(cmd, rig.mount, mail)


def test_verify_refuses_a_copy_that_differs_and_leaves_the_original(rig: Rig) -> None:
    mail = rig.path("etc/mail")
    rig.ok("copy", rig.mount, mail)
    copy = rig.disk / str(mail).lstrip("/")
    (copy / "sendmail.mc").write_text("changed\n")
    os.chmod(copy / "access", 0o644)
    r = rig.run("verify", rig.mount, mail)
    assert r.returncode == 1
    assert "differs" in r.stdout and "./sendmail.mc" in r.stdout and "./access" in r.stdout
    assert "was left as it is" in r.stderr
    assert mail.is_dir() and not mail.is_symlink()


def test_a_copy_that_was_there_before_is_compared_never_overwritten(rig: Rig) -> None:
    mail = rig.path("etc/mail")
    earlier = rig.disk / str(mail).lstrip("/")
    earlier.mkdir(parents=True)
    (earlier / "old-queue").write_text("mail of an earlier setup\n")
    assert "exists already (not copied by ha-wizard)" in rig.ok("copy", rig.mount, mail)
    assert rig.run("verify", rig.mount, mail).returncode == 1
    assert (earlier / "old-queue").read_text() == "mail of an earlier setup\n"


def test_an_unchecked_copy_of_ours_is_made_again_a_checked_one_is_kept(rig: Rig) -> None:
    mail = rig.path("etc/mail")
    copy = rig.disk / str(mail).lstrip("/")
    rig.ok("copy", rig.mount, mail)
    (copy / "stale").write_text("the original changed since this copy was made")
    assert "earlier copy by ha-wizard, not linked yet: made again" in rig.ok("copy", rig.mount, mail)
    assert not (copy / "stale").exists()
    rig.ok("verify", rig.mount, mail)
    (copy / "kept").write_text("checked copies are never deleted")
    assert "exists already (not copied by ha-wizard)" in rig.ok("copy", rig.mount, mail)
    assert (copy / "kept").exists()


def test_an_interrupted_run_is_finished_where_it_stopped(rig: Rig) -> None:
    mail = rig.path("etc/mail")
    partial = rig.disk / (str(mail).lstrip("/") + ".ha-wizard-partial")
    partial.mkdir(parents=True)
    (partial / "half").write_text("cut off")  # a copy killed half way: ha-wizard's own, made again
    rig.ok("copy", rig.mount, mail)
    assert not partial.exists()
    rig.ok("verify", rig.mount, mail)
    os.rename(mail, f"{mail}.ha-wizard-orig")  # killed between the rename and the link
    assert "matches" in rig.ok("verify", rig.mount, mail)  # the original is found under its new name
    rig.ok("link", rig.mount, mail)
    assert os.readlink(mail) == f"{rig.mount}{mail}"


def test_nothing_happens_without_the_disk_or_the_room(rig: Rig) -> None:
    mail = rig.path("etc/mail")
    r = rig.run("copy", rig.mount, mail, mounted=False)
    assert r.returncode == 4 and "is not mounted" in r.stderr
    (mail / "big").write_bytes(b"x" * 300_000)
    r = rig.run("copy", rig.mount, mail, tmpfs="64k")
    assert r.returncode == 3 and "KiB are free" in r.stderr
    assert mail.is_dir() and not mail.is_symlink()


def test_the_slave_keeps_its_own_folder_and_gets_the_same_link(rig: Rig) -> None:
    mail, spool = rig.path("etc/mail"), rig.path("var/spool/mqueue")
    out = rig.ok("set-aside", rig.mount, mail, mounted=False)
    assert "kept" in out and os.readlink(mail) == f"{rig.mount}{mail}"
    assert Path(f"{mail}.ha-wizard-orig/sendmail.mc").exists()
    assert "did not exist" in rig.ok("set-aside", rig.mount, spool, mounted=False)
    assert os.readlink(spool) == f"{rig.mount}{spool}"
    r = rig.run("set-aside", rig.mount, rig.path("var/mail"))  # this node holds the disk: wrong node
    assert r.returncode == 5 and "should not hold the disk" in r.stderr
    # undo on the slave: its own folder back; a path it never had is just unlinked
    rig.ok("put-back", mail, mounted=False)
    assert mail.is_dir() and not mail.is_symlink() and (mail / "sendmail.mc").exists()
    assert "did not exist before" in rig.ok("put-back", spool, mounted=False)
    assert not spool.exists() and not spool.is_symlink()


def test_undo_copies_back_what_was_written_while_replicated(rig: Rig) -> None:
    mail = rig.path("etc/mail")
    for cmd in ("copy", "verify", "link"):
        rig.ok(cmd, rig.mount, mail)
    (rig.disk / str(mail).lstrip("/") / "queued-while-replicated").write_text("a mail\n")
    rig.ok("copy-back", rig.mount, mail)
    assert "matches" in rig.ok("verify-back", rig.mount, mail)
    rig.ok("unlink", rig.mount, mail)
    assert mail.is_dir() and not mail.is_symlink()
    assert (mail / "queued-while-replicated").read_text() == "a mail\n"
    assert os.readlink(mail / "aliases") == str(rig.path("etc/aliases"))
    assert (rig.disk / str(mail).lstrip("/") / "queued-while-replicated").exists(), "the replicated copy stays"
    for cmd in ("copy-back", "verify-back", "unlink"):
        assert "already" in rig.ok(cmd, rig.mount, mail)


def test_the_relay_trick_links_under_the_mount_point_without_unmounting(rig: Rig) -> None:
    sbin = rig.path("usr/sbin")
    sbin.mkdir(parents=True)
    real = rig.path("usr/libexec/sendmail")
    real.parent.mkdir(parents=True)
    real.write_text("#!/bin/sh\necho real sendmail\n")
    real.chmod(0o755)
    os.symlink(real, sbin / "sendmail")
    binary = sbin / "sendmail"
    wrapper = rig.tmp / "relay"
    rig.ok("under-link", rig.mount, binary, wrapper)
    assert os.readlink(rig.mount / str(binary).lstrip("/")) == str(wrapper), "not under the mount point"
    assert not (rig.disk / str(binary).lstrip("/")).exists(), "written onto the disk instead"
    rig.ok("disk-link", rig.mount, binary)
    assert os.readlink(rig.disk / str(binary).lstrip("/")) == str(real)
    rig.ok("link-to", binary, f"{rig.mount}{binary}")
    assert os.readlink(binary) == f"{rig.mount}{binary}"
    assert os.readlink(f"{binary}.ha-wizard-orig") == str(real)
    # The probe of the check sees the link under the mount point while the disk is mounted, read-only.
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            'mount --bind "$1" "$2" && shift 2 && exec sh -c "$@"', "sh", str(rig.disk),
                            str(rig.mount), UNDER_PROBE, "sh", str(rig.mount), str(binary)],
                           capture_output=True, text=True, timeout=30)
    verdict = Conditions(CONDITIONS).evaluate("under-mount-link", Result(probe.returncode, probe.stdout),
                                              (str(wrapper),))
    assert verdict.ok, (verdict.state, probe.stderr)
    rig.ok("put-back", binary)
    assert os.readlink(binary) == str(real)
    rig.ok("under-unlink", rig.mount, binary)
    assert not os.path.lexists(rig.mount / str(binary).lstrip("/"))


def test_usage_is_explained(rig: Rig) -> None:
    r = rig.run("nonsense", mounted=False)
    assert r.returncode == 2 and "copy MOUNT PATH" in r.stderr
