"""Turning actions into words and diffs: the plan display and the dry-run are this one module.

Every line produced here passes through the Redactor, so a secret can never reach the screen, a log or
the JSON plan; files that hold one are shown masked as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wizard.core.actions import (
    Action,
    EditBlock,
    MakeDir,
    NotImplementedYet,
    Run,
    Step,
    Symlink,
    WaitFor,
    WriteFile,
    diff,
    new_content,
)
from wizard.core.secrets import MASK
from wizard.executors.base import Executor
from wizard.flow.session import Session

Redact = Callable[[str], str]


def describe_action(action: Action, ex: Executor | None, redact: Redact) -> list[str]:
    """Lines describing one action; with an executor, file changes are diffed against the node."""
    if isinstance(action, Run):
        lines = [f"run: {redact(action.display())}"]
        if action.input is not None:
            lines.append("     (with input on stdin)")
        if action.confirm:
            lines.append(f"     asks you to type '{action.confirm.token}' first: {action.confirm.message}")
        for p in action.prompts:
            if p.confirm:
                lines.append(f"     if it asks \"{p.expect.strip()}\": only after you type "
                             f"'{p.confirm.token}' ({p.confirm.message})")
            else:
                shown = MASK if p.secret else p.answer
                lines.append(f"     if it asks \"{p.expect.strip()}\": answers {shown!r}")
        return lines
    if isinstance(action, WriteFile | EditBlock):
        verb = "write" if isinstance(action, WriteFile) else f"edit (block '{action.marker}')"
        head = f"{verb}: {action.path} (mode {action.mode:o})"
        existing = ex.read_file(action.path) if ex is not None else None
        reachable = ex is not None and getattr(ex, "reachable", True)
        planned = new_content(action, existing)
        if isinstance(action, WriteFile) and action.secret:
            state = "" if not reachable else (" — unchanged" if existing == planned else
                                              (" — replaces the current file (backed up)" if existing else ""))
            return [f"{head}: holds a secret, shown as {MASK}{state}"]
        if reachable and existing == planned:
            return [f"{head} — already as planned"]
        if reachable and existing is not None:
            head += " — differs; the current file is backed up first"
        elif not reachable:
            head += " — node not contacted, shown in full"
        return [head, *(f"     {redact(ln)}" for ln in diff(existing if reachable else None, planned,
                                                            action.path))]
    if isinstance(action, MakeDir):
        return [f"mkdir: {action.path} (mode {action.mode:o})"]
    if isinstance(action, Symlink):
        return [f"symlink: {action.path} -> {action.target}"]
    if isinstance(action, WaitFor):
        return [f"wait: {action.what or action.until} (up to {action.timeout:.0f} s; "
                f"polls `{' '.join(action.probe)}`)"]
    if isinstance(action, NotImplementedYet):
        return [f"not implemented yet: {action.what}"]
    raise TypeError(f"unknown action {action!r}")


def describe_plan(steps: Sequence[Step], executors: dict[str, Executor] | None, redact: Redact,
                  header: str = "") -> str:
    out: list[str] = [header] if header else []
    for i, step in enumerate(steps, start=1):
        ex = executors.get(step.host) if executors else None
        out.append(f"{i:2}. [{step.host}] {step.title}")
        if step.why:
            out.append(f"     why: {step.why}")
        for a in step.actions:
            out.extend(f"     {ln}" for ln in describe_action(a, ex, redact))
        out.append("")
    return redact("\n".join(out))


def plan_json(steps: Sequence[Step], redact: Redact, meta: dict[str, Any]) -> dict[str, Any]:
    items = []
    for i, step in enumerate(steps, start=1):
        items.append({
            "n": i,
            "id": step.id,
            "kind": step.kind,
            "title": step.title,
            "host": step.host,
            "implemented": step.implemented,
            "confirm": [c.token for c in step.confirmations],
            "actions": [_action_json(a, redact) for a in step.actions],
        })
    return {**meta, "steps": items}


def _action_json(a: Action, redact: Redact) -> dict[str, Any]:
    if isinstance(a, Run):
        return {"type": "run", "argv": [redact(x) for x in a.argv], "prompts": [p.expect for p in a.prompts],
                "confirm": a.confirm.token if a.confirm else None}
    if isinstance(a, WriteFile):
        return {"type": "write", "path": a.path, "mode": f"{a.mode:o}", "owner": f"{a.owner}:{a.group}",
                "content": MASK if a.secret else redact(a.content)}
    if isinstance(a, EditBlock):
        return {"type": "edit-block", "path": a.path, "marker": a.marker, "block": redact(a.block)}
    if isinstance(a, MakeDir):
        return {"type": "mkdir", "path": a.path, "mode": f"{a.mode:o}"}
    if isinstance(a, Symlink):
        return {"type": "symlink", "path": a.path, "target": a.target}
    if isinstance(a, WaitFor):
        return {"type": "wait", "until": a.until, "args": list(a.args), "timeout": a.timeout}
    return {"type": "not-implemented", "what": a.what}


def header(session: Session, title: str) -> str:
    s = session.spec
    lines = [title,
             f"answers: {s.source}   master: {s.master}   peer: {s.peer_node.name}",
             f"DRBD syntax: {session.context.drbd_family if session.context else '?'} "
             f"({session.context.drbd_family_source if session.context else ''})"]
    if s.stack != "heartbeat" and session.context:  # "auto": which one it became, and why
        lines.append(f"cluster stack: {session.context.stack} ({session.context.stack_source})")
    lines += [f"note: {n}" for n in session.notes]
    return "\n".join(lines) + "\n"
