"""ha-wizard doctor: audit an existing pair (built by hand from the tutorial, or by ha-wizard), read-only.

Exit 0: clean; 1: problems or warnings; 2: the pair could not be read (this node has no pair config, the
answers do not describe it, or the peer did not answer SSH). ``--json`` prints the same findings as JSON.
"""

from __future__ import annotations

import argparse

from wizard.cli.commands.common import add_connection

NAME = "doctor"
HELP = "audit an existing DRBD + Heartbeat pair, read-only: every problem with its evidence and its fix"


def configure(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--answers", "-a", metavar="FILE", help="the answers file that describes the pair "
                       "(default: discover it from this node's /etc/drbd.conf, ha.cf and haresources)")
    where.add_argument("--peer", metavar="HOST", help="the other node's address or name, for SSH (default: read "
                       "from this node's DRBD and Heartbeat files)")
    add_connection(p, journal=False)  # doctor reads the nodes, never the journal
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--verbose", "-v", action="store_true", help="show the evidence of the ✓ lines too")


def _connector(args: argparse.Namespace, scratch: str):  # type: ignore[no-untyped-def]
    """SSH to the peer, trusting a host key only as the admin said. doctor writes nothing, not even known_hosts:
    ssh reads (and an --accept-host-key appends to) a private copy in ``scratch``, gone after the run."""
    import shutil
    from pathlib import Path

    from wizard.executors.ssh import SshExecutor

    want = (args.accept_host_key or "").strip()
    mine = Path(args.known_hosts or Path.home() / ".ssh" / "known_hosts").expanduser()
    copy = Path(scratch) / "known_hosts"
    if mine.is_file():
        shutil.copyfile(mine, copy)

    def decide(label: str, prints: list[str]) -> bool:
        return bool(want) and any(p.split()[0] == want for p in prints)

    def connect(name: str, host: str, user: str, port: int) -> SshExecutor:
        return SshExecutor(name, host, user=user, port=port, known_hosts=copy, identity=args.identity,
                           decide_host_key=decide)

    return connect


def run(args: argparse.Namespace) -> int:
    import json
    import shutil
    import sys
    import tempfile

    from wizard.core.answers import load_answers
    from wizard.doctor.discover import CannotRead
    from wizard.doctor.report import code, render_text, to_json
    from wizard.doctor.run import examine
    from wizard.executors.local import LocalExecutor

    spec = load_answers(args.answers)[0] if args.answers else None
    local = LocalExecutor("this machine")  # doctor may run on either node: the node's `uname -n` names it
    scratch = tempfile.mkdtemp(prefix="ha-wizard-doctor-")
    try:
        ex = examine(local, _connector(args, scratch), spec=spec, peer_host=args.peer or "")
    except CannotRead as e:
        if args.json:
            print(json.dumps({"exit": e.exit_code, "error": str(e), "findings": []}, indent=2, ensure_ascii=False))
            return e.exit_code
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        json.dump(to_json(ex), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render_text(ex, verbose_ok=args.verbose))
    return code(ex)
