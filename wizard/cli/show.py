"""The plan as text or JSON, shared by `plan` and `apply --dry-run`."""

from __future__ import annotations

import argparse
import json
import sys

from wizard.executors.base import Executor
from wizard.flow.session import Options, open_session
from wizard.output.describe import describe_plan, header, plan_json


def options_from(args: argparse.Namespace, *, dry_run: bool) -> Options:
    return Options(dry_run=dry_run, offline=getattr(args, "offline", False),
                   journal_dir=getattr(args, "journal_dir", None),
                   known_hosts=getattr(args, "known_hosts", None), identity=getattr(args, "identity", None),
                   accept_host_key=getattr(args, "accept_host_key", None))


def show_plan(args: argparse.Namespace, *, dry_run_header: bool) -> int:
    offline = getattr(args, "offline", False)
    session = open_session(args.answers, options_from(args, dry_run=True), connect=not offline)
    try:
        steps = session.plan()
        from wizard.flow.configcheck import require_valid

        assert session.context is not None
        session.notes += [str(p) for p in require_valid(session.context, steps)]
        from wizard.services.precheck import problems

        session.notes += [f"services: {p}" for p in problems(session.context)]  # apply stops on these
        executors: dict[str, Executor] | None = None if offline else session.executors
        if getattr(args, "format", "text") == "json":
            meta = {"answers": session.spec.source, "master": session.spec.master,
                    "peer": session.spec.peer_node.name, "drbd_syntax": session.context.drbd_family
                    if session.context else None, "notes": session.notes,
                    # the cluster manager the plan is for ("auto" resolved), and why
                    "stack": session.context.stack if session.context else None,
                    "stack_source": session.context.stack_source if session.context else None}
            json.dump(plan_json(steps, session.redactor, meta), sys.stdout, indent=2)
            print()
        else:
            title = ("DRY RUN — nothing will be changed. This is what `apply` would do:" if dry_run_header
                     else "Plan (nothing is changed by showing it):")
            print(describe_plan(steps, executors, session.redactor, header(session, title)))
            if dry_run_header and not offline:
                from wizard.preflight import report as preflight

                lines = preflight.preflight(session, session.context.facts if session.context else None)
                print("Preflight (what apply checks before it changes anything):")
                print(session.redactor(preflight.render(lines)))
                print(preflight.summary(lines))
    finally:
        session.close()
    return 0
