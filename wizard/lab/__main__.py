"""``ha-wizard lab up|down|status|ssh N [cmd...]|wizard``: the lab for people (``python -m wizard.lab`` too).

Errors are one plain sentence on stderr and a non-zero exit: a missing qemu or a slow boot is something
the user fixes, not a bug to debug from a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from wizard.lab.common import LabError, default_lab_dir
from wizard.lab.vms import NODES, Lab, check_names


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ha-wizard lab",
        description="Two Debian 12 VMs (DRBD 8.4 + Heartbeat) under qemu to try ha-wizard on.",
    )
    p.add_argument("--lab-dir", type=Path, default=None,
                   help=f"image cache, keys and VM files (default: $HA_WIZARD_LAB_DIR or {default_lab_dir()})")
    p.add_argument("--name", default="default", help="which lab in the lab dir (default: %(default)s)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the lab does")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="build or reuse the image and boot node1 + node2")
    up.add_argument("--rebuild", action="store_true", help="rebuild the image even if cached")
    up.add_argument("--restart", action="store_true", help="start afresh even if the lab is already up")
    up.add_argument("--names", metavar="A,B", help="host names of the two VMs (default: node1,node2)")
    up.add_argument("--no-wizard", action="store_true",
                    help="do not install ha-wizard on the first VM (it is installed by default, offline)")
    sub.add_parser("down", help="stop both VMs")
    sub.add_parser("status", help="show whether each VM runs and answers SSH")
    for name, what in (("kill", "cut node N's power (SIGKILL its qemu), for a hard failover drill"),
                       ("start", "boot node N again after a kill (same disks and ports)"),
                       ("unplug", "cut node N's VM-to-VM link (eth1), as if its cable were pulled"),
                       ("plug", "restore node N's VM-to-VM link")):
        sub.add_parser(name, help=what).add_argument("node", type=int, choices=NODES)
    ssh = sub.add_parser("ssh", help="log in to node N (1 or 2), or run a command there")
    ssh.add_argument("node", type=int, choices=NODES)
    ssh.add_argument("cmd", nargs=argparse.REMAINDER, help="command to run (default: a login shell)")
    wiz = sub.add_parser("wizard", help="start ha-wizard on the first VM (the master), in this terminal")
    wiz.add_argument("wizard_args", nargs=argparse.REMAINDER, help="arguments for ha-wizard (e.g. --dry-run)")
    return p


def _describe(lab: Lab) -> str:
    lines = []
    for n in NODES:
        port = lab.ssh_port(n)
        fp = lab.host_key_fingerprint(n)
        lines.append(f"  {lab.node_name(n)}: ssh -i {lab.ssh_key} -p {port} root@127.0.0.1   "
                     f"(or: ha-wizard lab ssh {n})")
        lines.append(f"         host key {fp}; link address 10.99.0.{n} (eth1); data disk /dev/vdb1")
    lines.append("  The nodes reach each other as root over 10.99.0.0/24 with /root/.ssh/id_ed25519;")
    lines.append("  /etc/hosts holds only localhost: naming the nodes is the wizard's job.")
    lines.append("  Stop with: ha-wizard lab down")
    return "\n".join(lines)


def _install_wizard(lab: Lab) -> None:
    from wizard.lab.install import build_wheelhouse, ensure_wizard

    print(f"Installing ha-wizard on {lab.node_name(1)} (offline, from a wheelhouse built here; "
          "about 2 min the first time)...", flush=True)
    wh = build_wheelhouse(lab.lab_dir / "wheelhouse")
    how, secs = ensure_wizard(lab, wh)
    print(f"ha-wizard is {'already there' if how == 'present' else how} on {lab.node_name(1)} "
          f"({secs:.0f} s): /opt/ha-wizard/bin/ha-wizard")


def _up(lab: Lab, args: argparse.Namespace) -> int:
    names = check_names(args.names.split(",")) if args.names else None
    already = not args.restart and not args.rebuild and all(lab.is_running(n) for n in NODES)
    if already and names and names != tuple(lab.node_name(n) for n in NODES):
        raise LabError(f"the lab is already up with the names {lab.node_name(1)},{lab.node_name(2)}: "
                       "add --restart to boot it again with new names")
    if already:
        print(f"The lab is already up (lab dir {lab.lab_dir}):")
    else:
        print("Starting the lab: building or reusing the image, then booting the two VMs "
              "(about 1 min; the first build takes 1-2 min more)...", flush=True)
        lab.up(fresh=True, rebuild=args.rebuild)
        assert lab.image is not None
        how = "reused" if lab.image.cached else f"built in {lab.image.build_secs:.0f} s"
        boot = ", ".join(f"{lab.node_name(n)} {lab.timings.get(f'node{n}_boot_to_ssh_secs', 0):.0f} s"
                         for n in NODES)
        print(f"The lab is up (image {lab.image.key} {how}; boot to SSH: {boot}; lab dir {lab.lab_dir}):")
    print(_describe(lab))
    if not args.no_wizard:
        _install_wizard(lab)
        print(f"\nStart the wizard on {lab.node_name(1)} (the master; {lab.node_name(2)} is the peer at "
              "10.99.0.2):\n    ha-wizard lab wizard")
    return 0


def _wizard(lab: Lab, args: list[str]) -> int:
    from wizard.lab.install import WIZARD

    if not lab.is_running(1):
        raise LabError("the lab is not up: start it with ha-wizard lab up")
    if lab.ssh(1, f"test -x {WIZARD}", check=False, timeout=60).returncode != 0:
        raise LabError(f"ha-wizard is not installed on {lab.node_name(1)}: run ha-wizard lab up (without "
                       "--no-wizard)")
    return _ssh(lab, 1, [WIZARD, *args], tty=True)


def _status(lab: Lab) -> int:
    states = lab.status()
    for st in states:
        if st.running:
            print(f"{st.name}: running (pid {st.pid}), ssh 127.0.0.1:{st.ssh_port} "
                  f"{'answers' if st.ssh_ok else 'does not answer'}")
        else:
            print(f"{st.name}: not running")
    return 0 if all(st.running and st.ssh_ok for st in states) else 3


def _ssh(lab: Lab, node: int, cmd: list[str], tty: bool = False) -> int:
    if not lab.is_running(node):
        raise LabError(f"{lab.node_name(node)} is not running: start the lab with ha-wizard lab up")
    argv = lab.ssh_command(node)
    if not cmd or tty:
        argv.insert(1, "-t")  # an interactive login or program wants a terminal
    sys.stdout.flush()
    os.execv(argv[0], [*argv, *cmd])  # hand the terminal to ssh; its exit code becomes ours
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (0 ok, 1 error, 3 status: not all up, 130 Ctrl-C)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        names = getattr(args, "names", None)
        lab = Lab(args.lab_dir, name=args.name, names=check_names(names.split(",")) if names else None)
        if args.command == "up":
            return _up(lab, args)
        if args.command == "wizard":
            return _wizard(lab, list(args.wizard_args))
        if args.command == "down":
            lab.down()
            print("The lab is down.")
            return 0
        if args.command == "status":
            return _status(lab)
        if args.command == "kill":
            lab.kill_hard(args.node)
            print(f"node{args.node} is off (power cut). `python -m wizard.lab start {args.node}` boots it again.")
            return 0
        if args.command == "start":
            print(f"node{args.node} answers SSH after {lab.restart(args.node):.0f} s.")
            return 0
        if args.command in ("unplug", "plug"):
            lab.set_link(args.node, up=args.command == "plug")
            print(f"node{args.node}'s link to the other VM is {'back' if args.command == 'plug' else 'cut'}.")
            return 0
        return _ssh(lab, args.node, args.cmd)
    except LabError as exc:
        print(f"ha-wizard lab: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ha-wizard lab: interrupted (VMs that had started were stopped).", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"ha-wizard lab: {exc.strerror or exc} ({exc.filename or 'system call'})", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
