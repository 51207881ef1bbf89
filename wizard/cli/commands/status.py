"""ha-wizard status: every DRBD device on both nodes (and, on the Pacemaker stack, crm_mon's view from each);
or a saved /proc/drbd parsed, for support cases; or, with --watch, the whole pair live (DRBD, the cluster
manager, the service address, each service's health).

JSON shapes. Live: ``{"nodes": {"<name>": {"version": ..., "devices": [...]}}}``, with ``"error"`` in
place of the state for a node that could not be read; on Pacemaker also ``{"pacemaker": {"<name>": {...}}}``,
crm_mon as each node sees the cluster. Saved file (``--proc-drbd FILE``): the bare
``{"version": ..., "devices": [...]}`` of that one file. ``--watch --json``: one line per refresh,
``wizard.heartbeat.pair_state.PairState.to_json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from wizard.cli.commands.common import add_connection

NAME = "status"
HELP = "DRBD state on both nodes (--watch: the whole pair live; --proc-drbd FILE: a saved /proc/drbd)"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--answers", "-a", metavar="FILE",
                   help="the answers file (default: the one the last apply used, else this machine only)")
    add_connection(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--watch", "-w", action="store_true",
                   help="both nodes live, refreshed every second over one SSH connection: DRBD, Heartbeat, "
                        "the service address and each service's health (Ctrl+C ends)")
    p.add_argument("--count", type=int, default=0, metavar="N", help="with --watch: stop after N refreshes")
    p.add_argument("--proc-drbd", metavar="FILE", help="parse this saved /proc/drbd (or `drbdadm status` text, "
                   "`drbdsetup status --json` or events2 output) instead of asking the nodes")


def _text(name: str, state: dict[str, Any]) -> list[str]:
    if "error" in state:
        return [f"{name}: {state['error']}"]
    version = state.get("version") or ("(version not in this output)" if state.get("devices") else "not loaded")
    lines = [f"{name}: DRBD {version}"]
    if not state.get("devices"):
        lines.append("  no DRBD device configured")
    for d in state.get("devices", []):
        name = f"drbd{d['minor']}" if d["minor"] is not None else f"{d.get('resource')}/{d.get('volume') or 0}"
        line = (f"  {name}  {d['cs']:<13} {'/'.join(d['roles']):<20} {'/'.join(d['disk_states']):<26}"
                f" {d['protocol'] or ''}")
        if d["sync_percent"] is not None:
            speed = f" at {d['speed_kib_s'] / 1024:.1f} MiB/s" if d["speed_kib_s"] else ""
            line += f"  sync {d['sync_percent']:.1f}%{speed}" + (f", done in {d['finish']}" if d["finish"] else "")
        lines.append(line.rstrip())
        if len(d.get("peers") or []) > 1:  # three nodes or more: one line per peer
            for p in d["peers"]:
                done = f"  sync {p['done']:.1f}%" if p["done"] is not None else ""
                lines.append(f"    peer {p['name']}: {p['connection']}, {p['role']}, {p['peer_disk']}, "
                             f"{p['replication']}{done}")
    return lines


def _node_state(ex: Any, family: str) -> dict[str, Any]:
    from wizard.drbd.status_read import read_status

    proc = ex.probe(["cat", "/proc/drbd"])
    if proc.rc == 255 and not proc.out:
        return {"error": proc.err.strip() or "not reachable"}
    if not proc.ok:
        return {"version": None, "devices": []}  # module not loaded: nothing runs
    status = read_status(proc.out)
    if family == "9" or (status.version or "").startswith("9"):
        r = ex.probe(["drbdsetup", "status", "--json"])
        status = read_status(proc.out.splitlines()[0] + "\n" + r.out) if r.ok else status
    return status.to_json()


def _crm_state(ex: Any, spec: Any) -> dict[str, Any]:
    """crm_mon as this node sees the cluster: one read-only probe over the node's connection."""
    from wizard.pacemaker.cib import drbd_ids_of
    from wizard.pacemaker.conditions import crm_probe, crm_state

    c = crm_state(ex.probe(list(crm_probe())), drbd_ids_of(spec)[1])
    return {"running": c.running, "error": c.error, "online": list(c.online), "standby": list(c.standby),
            "promoted": list(c.promoted), "unpromoted": list(c.unpromoted), "group_on": list(c.group_on),
            "stonith_enabled": c.stonith_enabled, "failed": list(c.failed), "words": _crm_words(c)}


def _crm_words(c: Any) -> str:
    if c.error:
        return f"Pacemaker not running ({c.error})"
    return (f"online: {', '.join(c.online) or 'none'}; DRBD Promoted on {', '.join(c.promoted) or 'no node'}; "
            f"the group on {', '.join(c.group_on) or 'no node'}; {c.stonith_words()}"
            + (f"; standby: {', '.join(c.standby)}" if c.standby else "")
            + (f"; FAILED: {', '.join(c.failed)}" if c.failed else ""))


def _answers(args: argparse.Namespace) -> str | None:
    if args.answers:
        return str(args.answers)
    from wizard.errors import WizardError
    from wizard.flow.runner import journal_answers

    try:
        return journal_answers(args.journal_dir or "/var/lib/ha-wizard")
    except WizardError:
        return None


def live(args: argparse.Namespace) -> dict[str, Any]:
    from wizard.cli.show import options_from

    answers = _answers(args)
    if answers is None:  # no cluster known yet: this machine only
        from wizard.executors.local import LocalExecutor

        here = LocalExecutor("this machine")
        name = here.probe(["uname", "-n"]).out.strip() or "this machine"
        return {"nodes": {name: _node_state(here, "")}}
    from wizard.flow.session import check_master_identity, open_session

    # dry-run executors: probes pass through, nothing can change, an unreachable peer is reported
    session = open_session(answers, options_from(args, dry_run=True))
    try:
        wrong = check_master_identity(session.spec, session.executors[session.spec.master])
        if wrong:  # run on the peer (or elsewhere): "this machine" is not the master of the answers
            print(f"note: {wrong}; showing this machine only", file=sys.stderr)
            ex = session.executors[session.spec.master]
            return {"nodes": {ex.probe(["uname", "-n"]).out.strip(): _node_state(ex, "")}}
        family = session.context.drbd_family if session.context else ""
        nodes = {}
        for n in (session.spec.master, session.spec.peer_node.name):
            ex = session.executors[n]
            why = getattr(ex, "why_offline", "")
            nodes[n] = {"error": f"not contacted: {why}"} if getattr(ex, "inner", True) is None else \
                _node_state(ex, family)
        out: dict[str, Any] = {"nodes": nodes}
        if session.context is not None and session.context.stack == "pacemaker":
            out["pacemaker"] = {n: _crm_state(session.executors[n], session.spec) for n in nodes
                                if "error" not in nodes[n]}
        standalone = any(isinstance(d, dict) and d.get("cs") == "StandAlone"
                         for st in nodes.values() for d in st.get("devices", []))
        if standalone and not any("error" in st for st in nodes.values()):
            from wizard.flow.recovery import find

            sb = find(answers, session.executors, family)
            if sb is not None:
                out["split_brain"] = {"victim": sb.victim, "survivor": sb.survivor, "why": sb.why,
                                      "text": sb.sentence(session.spec.drbd.resource)}
        return out
    finally:
        session.close()


def watch_pair(args: argparse.Namespace) -> int:
    """Refresh until Ctrl+C (exit 0) or --count refreshes; the view redrawn in place on a terminal."""
    import shutil
    import time

    from wizard.cli.commands.common import answers_or_journal
    from wizard.cli.show import options_from
    from wizard.errors import WizardError
    from wizard.flow.watch import open_watch, watch
    from wizard.heartbeat.pair_state import PairState, text

    if args.proc_drbd:
        raise WizardError("--watch reads the nodes live; it cannot be combined with --proc-drbd FILE", exit_code=2)
    if args.count < 0:
        raise WizardError(f"--count {args.count}: give a number of refreshes, 1 or more (0 = until Ctrl+C)",
                          exit_code=2)
    tty = sys.stdout.isatty() and not args.json
    width = max(60, shutil.get_terminal_size((80, 24)).columns) if tty else 80

    def show(ps: PairState) -> None:
        if args.json:
            print(json.dumps(ps.to_json()), flush=True)
            return
        head = (f"ha-wizard status --watch · {ps.watched.resource} · {time.strftime('%H:%M:%S')} "
                f"· every second, Ctrl+C ends")
        body = "\n".join([head, *text(ps, width)])
        print(("\x1b[H\x1b[2J" + body) if tty else body + "\n", flush=True)

    try:
        answers = answers_or_journal(args)
    except WizardError:
        from wizard.core.journal import Journal

        journal_dir = args.journal_dir or "/var/lib/ha-wizard"
        if Journal.open(journal_dir).exists:
            raise  # its own sentence: the answers it names are gone, or it names none
        raise WizardError(f"no pair to watch: no answers given and no journal in {journal_dir}; pass --answers "
                          "FILE (the answers the pair was set up with)") from None
    try:
        pw = open_watch(answers, options_from(args, dry_run=True))
    except KeyboardInterrupt:
        return 0
    try:
        watch(pw, show, count=args.count)
    except KeyboardInterrupt:
        pass  # the admin's way to end a watch: not an error
    finally:
        pw.close()
    return 0


def run(args: argparse.Namespace) -> int:
    if args.watch:
        return watch_pair(args)
    if args.count:
        from wizard.errors import WizardError

        raise WizardError("--count N counts the refreshes of --watch: add --watch, or leave --count out",
                          exit_code=2)
    if args.proc_drbd:
        from wizard.drbd.status_read import read_saved_status
        from wizard.errors import WizardError

        try:
            with open(args.proc_drbd, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            raise WizardError(f"cannot read {args.proc_drbd}: {e.strerror}") from None
        state = read_saved_status(text, args.proc_drbd).to_json()
        if args.json:
            json.dump(state, sys.stdout, indent=2)
            print()
        else:
            print("\n".join(_text(args.proc_drbd, state)))
        return 0
    result = live(args)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        for name, state in result["nodes"].items():
            print("\n".join(_text(name, state)))
        for name, crm in result.get("pacemaker", {}).items():
            print(f"Pacemaker, as {name} sees it: {crm['words']}")
        if "split_brain" in result:
            print("\n" + result["split_brain"]["text"])
    return 1 if any("error" in s for s in result["nodes"].values()) else 0
