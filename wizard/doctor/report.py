"""doctor's findings for people (✗/!/✓ lines grouped by family, each with evidence, why and fix) and for
scripts (JSON). Every string goes through the Redactor: a secret read from a node is never shown."""

from __future__ import annotations

from typing import Any

from wizard.doctor.finding import FAMILIES, MARKS, counts, exit_code
from wizard.doctor.run import Examination

EXIT_UNREADABLE = 2


def code(ex: Examination) -> int:
    """0 clean, 1 findings, 2 the pair could not be read (the peer did not answer)."""
    return EXIT_UNREADABLE if not ex.readable else exit_code(ex.findings)


def _header(ex: Examination) -> str:
    p = ex.pair
    peer = f"{p.peer.name} ({p.peer.label})" if p.peer.reached else f"{p.peer.facts.node} (not read)"
    res = f", DRBD resource {p.resource_name}" if p.resource_name else ""
    return (f"ha-wizard doctor: {p.local.name} ({p.local.label}) and {peer}{res}; {p.intent.source}.\n"
            "Read-only: nothing on either node was changed.")


def render_text(ex: Examination, *, verbose_ok: bool = False) -> str:
    red = ex.redactor
    lines = [_header(ex)]
    for family in FAMILIES:
        group = [f for f in ex.findings if f.family == family]
        if not group:
            continue
        lines += ["", family]
        for f in group:
            lines.append(f"  {MARKS[f.status]} {f.title}")
            if f.status == "ok" and not verbose_ok:
                continue
            for i, e in enumerate(e for e in f.evidence if e):
                lines.append(f"      {'evidence:' if i == 0 else '         '} {e}")
            if f.status != "ok":
                if f.why:
                    lines.append(f"      why:      {f.why}")
                if f.fix:
                    lines.append(f"      fix:      {f.fix}")
    n = counts(ex.findings)
    verdict = {0: "the pair is clean", 1: "fix the ✗ and ! lines, then run doctor again",
               2: "the peer could not be read: only this node was checked"}[code(ex)]
    lines += ["", f"{n['fail']} problems (✗), {n['warn']} warnings (!), {n['ok']} fine (✓): {verdict} "
                  f"(exit {code(ex)}, {ex.seconds:.1f} s)."]
    return red("\n".join(lines))


def to_json(ex: Examination) -> dict[str, Any]:
    red = ex.redactor
    p = ex.pair

    def node(n: Any) -> dict[str, Any]:
        return {"name": n.name, "reached": n.reached, "via": n.label, "why_not": red(n.facts.why_not)}

    return {
        "exit": code(ex), "summary": counts(ex.findings), "seconds": round(ex.seconds, 2), "changes": ex.changes,
        "pair": {"local": node(p.local), "peer": node(p.peer), "resource": p.resource_name,
                 "source": p.intent.source, "peer_addresses_tried": [red(t) for t in ex.tried]},
        "findings": [{k: ([red(x) for x in v] if isinstance(v, list) else red(v) if isinstance(v, str) else v)
                      for k, v in f.to_json().items()} for f in ex.findings],
    }
