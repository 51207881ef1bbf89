"""ha-wizard disks: a node's disks and partitions as `fdisk -l` sizes them, with what is on each (read-only)."""

from __future__ import annotations

import argparse
from typing import Any

from wizard.cli.commands.common import add_connection

NAME = "disks"
HELP = "list a node's disks and partitions: exact sizes from fdisk -l, filesystems and use (read-only)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--node", metavar="NAME", help="a node named in --answers (default: this machine)")
    p.add_argument("--answers", "-a", metavar="FILE", help="the answers file (needed with --node)")
    p.add_argument("--from-fdisk", metavar="FILE",
                   help="parse a saved `fdisk -l` output instead of asking a node ('-' reads stdin)")
    p.add_argument("--json", action="store_true", help="print JSON: {\"disks\": [...], \"partitions\": [...]}")
    add_connection(p)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from wizard.errors import WizardError

    if args.from_fdisk:
        if args.node:
            raise WizardError("--from-fdisk reads a saved listing: leave out --node")
        report = _from_file(args.from_fdisk)
        if args.json:
            print(json.dumps(report.to_json(), indent=2))
        else:
            _print_table(report, None, f"`fdisk -l` saved in {args.from_fdisk}")
        return 0
    facts = _gather(args)
    if args.json:
        json.dump(_json(facts), sys.stdout, indent=2)
        print()
        return 0
    where = f"{facts.node} ({facts.hostname})" if facts.hostname and facts.hostname != facts.node else facts.node
    _print_table(facts.disks, facts, where)
    return 0


def _from_file(path: str) -> Any:
    import sys

    from wizard.errors import WizardError
    from wizard.nodes.blockdevs import parse_fdisk

    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
    except OSError as e:
        raise WizardError(f"cannot read {path}: {e.strerror}") from None
    report = parse_fdisk(text)
    if not report.disks and not report.partitions:
        raise WizardError(f"{path} lists no disk and no partition: save the output of `fdisk -l` "
                          "(run as root) and try again")
    return report


def _gather(args: argparse.Namespace) -> Any:
    from wizard.errors import WizardError
    from wizard.nodes.gather import gather_node

    if not args.node:
        from wizard.executors.local import LocalExecutor

        return gather_node(LocalExecutor("this machine"))
    if not args.answers:
        raise WizardError("--node needs --answers FILE: the answers file says how to reach that node")
    from wizard.cli.show import options_from
    from wizard.flow.session import open_session

    session = open_session(args.answers, options_from(args, dry_run=True))  # dry-run: read-only executors
    try:
        names = [n.name for n in session.spec.nodes]
        if args.node not in names:
            raise WizardError(f"{args.node} is not a node of {args.answers} (its nodes: {', '.join(names)})")
        facts = gather_node(session.executors[args.node], devices=[session.spec.node(args.node).disk])
    finally:
        session.close()
    if not facts.reached:
        raise WizardError(f"{args.node} was not contacted ({facts.why_not})")
    return facts


def _json(facts: Any) -> dict[str, Any]:
    out = facts.disks.to_json()
    for p in out["partitions"]:
        u = facts.usage(p["device"])
        sig = facts.signatures.get(p["device"])
        p.update(usage=u.state, usage_reason=u.reason,
                 signatures=list(sig.kinds) if sig is not None and sig.known else None)
    return {"node": facts.node, "hostname": facts.hostname, **out,
            "unknown": dict(facts.unknown)}


def _print_table(report: Any, facts: Any, where: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from wizard.disks.choice import human

    console = Console(highlight=False)
    if facts is not None and "fdisk" in facts.unknown:
        console.print(f"note: {facts.unknown['fdisk']}; sizes come from lsblk", markup=False)
    if not report.disks and not report.partitions:
        console.print(f"{where}: `fdisk -l` lists no disks (run ha-wizard as root)", markup=False)
        return
    console.print(f"Disks and partitions of {where}:", markup=False)
    t = Table()
    t.add_column("device", no_wrap=True)
    t.add_column("bytes", justify="right", no_wrap=True)
    t.add_column("size", justify="right", no_wrap=True)
    t.add_column("type")
    if facts is not None:
        t.add_column("contents")
        t.add_column("use")
    for d in report.disks:
        parts = [p for p in report.partitions if p.disk == d.device]
        # old fdisk never names the label; a disk without rows has no table (or an unreadable one)
        label = d.label or ("" if parts else "no partition table")
        row = [d.device, f"{d.size_bytes:,}", human(d.size_bytes), label]
        t.add_row(*row, *(["", ""] if facts is not None else []), style="bold")
        for p in parts:
            t.add_row(*_part_row(p, facts))
    for p in (p for p in report.partitions if p.disk not in {d.device for d in report.disks}):
        t.add_row(*_part_row(p, facts))  # a listing without its "Disk" header (a pasted excerpt)
    console.print(t)


def _part_row(p: Any, facts: Any) -> list[str]:
    from rich.markup import escape

    from wizard.disks.choice import human

    kind = p.type + (" (boot)" if p.boot else "") + (" (extended)" if p.extended and "xtend" not in p.type else "")
    row = [p.device, f"{p.size_bytes:,}", human(p.size_bytes), escape(kind)]
    if facts is None:
        return row
    if p.extended:
        return [*row, "", "container for logical partitions"]
    sig = facts.signatures.get(p.device)
    contents = "?" if sig is None or not sig.known else (", ".join(sig.kinds) or "blank")
    u = facts.usage(p.device)
    use = {"free": "free", "has-signature": "free (not blank)"}.get(u.state, f"{u.state}: {u.detail or ''}".strip())
    return [*row, escape(contents), escape(use.rstrip(": "))]
