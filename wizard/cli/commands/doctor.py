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
    add_connection(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--verbose", "-v", action="store_true", help="show the evidence of the ✓ lines too")


def _connector(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from wizard.executors.ssh import SshExecutor

    want = (args.accept_host_key or "").strip()

    def decide(label: str, prints: list[str]) -> bool:
        return bool(want) and any(p.split()[0] == want for p in prints)

    def connect(name: str, host: str, user: str, port: int) -> SshExecutor:
        return SshExecutor(name, host, user=user, port=port, known_hosts=args.known_hosts, identity=args.identity,
                           decide_host_key=decide)

    return connect


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from wizard.core.answers import load_answers
    from wizard.doctor.discover import CannotRead
    from wizard.doctor.report import code, render_text, to_json
    from wizard.doctor.run import examine
    from wizard.executors.local import LocalExecutor

    spec = load_answers(args.answers)[0] if args.answers else None
    local = LocalExecutor(spec.master if spec is not None else "this machine")
    try:
        ex = examine(local, _connector(args), spec=spec, peer_host=args.peer or "")
    except CannotRead as e:
        if args.json:
            print(json.dumps({"exit": e.exit_code, "error": str(e), "findings": []}, indent=2, ensure_ascii=False))
            return e.exit_code
        raise
    if args.json:
        json.dump(to_json(ex), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render_text(ex, verbose_ok=args.verbose))
    return code(ex)
