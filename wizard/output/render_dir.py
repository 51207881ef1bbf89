"""Writing the plan's files to a review folder: DIR/<node>/<absolute path>."""

from __future__ import annotations

import os
from pathlib import Path

from wizard.core.actions import EditBlock, WriteFile, apply_block
from wizard.errors import WizardError
from wizard.flow.configcheck import require_valid
from wizard.flow.session import Options, open_session


def render_to_dir(answers: str, out: str, *, journal_dir: str | None = None) -> int:
    session = open_session(answers, Options(dry_run=True, offline=True, journal_dir=journal_dir),
                           connect=False)
    steps = session.plan()
    assert session.context is not None
    # The same check apply runs: wrong files are reported, not written (raises ConfigCheckFailed).
    notes = require_valid(session.context, steps)
    root = Path(out)
    written: list[str] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WizardError(f"cannot create {out}: {e.strerror}; pick a folder you can write") from None
    for step in steps:
        for a in step.actions:
            if isinstance(a, WriteFile):
                content, mode = a.content, a.mode
            elif isinstance(a, EditBlock):
                # Only the managed block: the rest of the node's file is the admin's own.
                content, mode = apply_block(None, a.block, a.marker), a.mode
            else:
                continue
            dest = root / step.host / a.path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
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
