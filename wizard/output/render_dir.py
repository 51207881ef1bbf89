"""Writing the plan's files to a review folder: DIR/<node>/<absolute path>.

For the Pacemaker stack, whose plan is not yet applied (``wizard.pacemaker.stack``), the stack's configuration
files (DRBD's, Corosync's and the CIB script) are written, checked the same way, with a note saying so.
"""

from __future__ import annotations

import os
from pathlib import Path

from wizard.core.actions import EditBlock, WriteFile, apply_block
from wizard.errors import WizardError
from wizard.flow.configcheck import require_valid, require_valid_files
from wizard.flow.session import Options, open_session
from wizard.flow.tutorial import node_files


def render_to_dir(answers: str, out: str, *, journal_dir: str | None = None) -> int:
    session = open_session(answers, Options(dry_run=True, offline=True, journal_dir=journal_dir),
                           connect=False)
    ctx = session.context
    assert ctx is not None
    # (host, path, content, mode) of every file, checked as apply checks them (raises ConfigCheckFailed).
    files: list[tuple[str, str, str, int]] = []
    if ctx.stack == "pacemaker":
        per_node = {n: {f.path: f for f in node_files(ctx, n)} for n in ctx.order}
        notes = list(map(str, require_valid_files(ctx, per_node)))
        files = [(n, f.path, f.content, f.mode) for n, fs in per_node.items() for f in fs.values()]
    else:
        steps = session.plan()
        notes = [str(p) for p in require_valid(ctx, steps)]
        for step in steps:
            for a in step.actions:
                if isinstance(a, WriteFile):
                    files.append((step.host, a.path, a.content, a.mode))
                elif isinstance(a, EditBlock):
                    # Only the managed block: the rest of the node's file is the admin's own.
                    files.append((step.host, a.path, apply_block(None, a.block, a.marker), a.mode))
    root = Path(out)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WizardError(f"cannot create {out}: {e.strerror}; pick a folder you can write") from None
    written: list[str] = []
    for host, path, content, mode in files:
        dest = root / host / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)  # a 0400 file (Corosync's key) from an earlier render is replaced, not opened
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w") as f:
            f.write(content)
        os.chmod(dest, mode)
        written.append(str(dest))
    for w in written:
        print(w)
    for n in notes:
        print(f"note: {n}")
    print(f"{len(written)} files written under {root} (secrets are real in these files: keep them private)")
    return 0
