"""A package repository of the lab's own, for a node that lacks a recipe's packages (issue 14's bare servers).

The lab has no way out to a Debian mirror, by design. So the host downloads the packages from its own
Debian repositories (``apt-get download``, the versions the VMs' image has), indexes them (a flat repository:
``Packages`` and ``Release``), and each VM gets the folder with a sources list naming only it. The wizard's
``install@NODE`` step then runs the real ``apt-get update`` and ``apt-get install`` on the node. Everything the
VM had (its sources lists and apt's lists) is kept in a tar and put back afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shlex
import subprocess
import tarfile
import time
from pathlib import Path

from wizard.lab import Lab

#: apache2 and the packages built from its source: what `dpkg --purge apache2` takes off the image; the
#: libraries they need (libapr1, liblua5.3-0, ...) stay installed.
APACHE = ("apache2", "apache2-bin", "apache2-data", "apache2-utils")
REPO = "/var/local/ha-wizard-lab-repo"
KEPT = "/root/.apt-before-local-repo.tar"
APT_KEPT = "/etc/apt/sources.list /etc/apt/sources.list.d /var/lib/apt/lists"


def _download(folder: Path, wanted: list[str]) -> None:
    argv = ["apt-get", "download", "-q", *wanted]
    r = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:  # apt's lists on the host may be missing or old: read them once, then again
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True, timeout=600, check=False)
        r = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"apt-get download {' '.join(wanted)} on the host: {r.stderr.strip()[-800:]}"


def build(lab: Lab, packages: tuple[str, ...] = APACHE) -> Path:
    """The repository folder on the host, with ``packages`` at the versions node1 has installed (downloaded
    once per version set, kept under the lab's cache)."""
    query = "dpkg-query -W -f '${Package}=${Version}\\n' " + " ".join(packages)
    pinned = sorted(lab.ssh(1, query, timeout=60).stdout.split())
    assert len(pinned) == len(packages), pinned
    folder = lab.lab_dir / "repo" / hashlib.sha256(" ".join(pinned).encode()).hexdigest()[:16]
    if not (folder / "Release").exists():
        folder.mkdir(parents=True, exist_ok=True)
        _download(folder, pinned)
        entries = []
        for deb in sorted(folder.glob("*.deb")):
            control = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True,
                                     timeout=60).stdout.rstrip("\n")
            data = deb.read_bytes()
            entries.append(f"{control}\nFilename: ./{deb.name}\nSize: {len(data)}\n"
                           f"SHA256: {hashlib.sha256(data).hexdigest()}\n")
        index = "\n".join(entries).encode()
        (folder / "Packages").write_bytes(index)
        (folder / "Release").write_text(
            "Origin: ha-wizard-lab\nLabel: ha-wizard-lab\nSuite: lab\nCodename: lab\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S UTC', time.gmtime())}\nArchitectures: amd64 all\n"
            f"SHA256:\n {hashlib.sha256(index).hexdigest()} {len(index)} Packages\n")
    return folder


def serve(lab: Lab, n: int, folder: Path) -> None:
    """Node ``n``'s apt knows this repository only (what it had is kept), and has read it (apt-get update),
    as a real node knows what its repositories offer."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for f in sorted(folder.iterdir()):
            tar.add(f, arcname=f.name)
    lab.ssh(n, f"test -e {KEPT} || tar -cpf {KEPT} {APT_KEPT} 2>/dev/null; rm -rf {REPO} && mkdir -p {REPO} && "
               f"base64 -d | tar -x -C {REPO}", input=base64.b64encode(buf.getvalue()).decode(), timeout=120)
    source = f"deb [trusted=yes] file:{REPO} ./"
    lab.ssh(n, "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* && "
               f"echo {shlex.quote(source)} > /etc/apt/sources.list.d/ha-wizard-lab.list && "
               "apt-get update -qq", timeout=300)


def purge(lab: Lab, n: int, packages: tuple[str, ...] = APACHE) -> None:
    """Take the packages off node ``n`` (a bare server that never had them), configuration included."""
    lab.ssh(n, f"systemctl stop {packages[0]} 2>/dev/null; DEBIAN_FRONTEND=noninteractive "
               f"dpkg --purge {' '.join(packages)} >/dev/null && ! dpkg-query -W -f '${{Status}}\\n' "
               f"{packages[0]} 2>/dev/null | grep -q 'install ok installed'", timeout=300)


def unserve(lab: Lab, n: int, packages: tuple[str, ...] = APACHE) -> None:
    """Node ``n`` as the image has it, whatever the test left: the packages installed (from the repository,
    still served, if a run stopped before installing them), off at boot and stopped; its own sources and apt
    lists back, the repository gone."""
    unit = packages[0]
    lab.ssh(n, f"test -f {KEPT} || exit 0; "
               f"dpkg-query -W -f '${{Status}}\n' {unit} 2>/dev/null | grep -q 'install ok installed' || "
               f"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {unit} >/dev/null; "
               f"systemctl disable --now {unit} >/dev/null 2>&1; "
               f"rm -rf /etc/apt/sources.list.d/* /var/lib/apt/lists {REPO} && tar -xpf {KEPT} -C / && rm -f {KEPT}",
            timeout=600)

