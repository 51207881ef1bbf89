"""Conditions over files on a node: the sha256 a written file must have.

Probe: ``sha256sum PATH...``; args: the expected hex digests, one per path, in the same order. Files that
must be identical on both nodes are checked against the one digest of the rendered content, so passing
on both nodes proves them byte-identical. A digest reveals nothing of a 192-bit secret inside the file.
"""

from __future__ import annotations

import hashlib

from wizard.conditions import Verdict, condition
from wizard.executors.base import Result


def sha256_hex(content: str) -> str:
    """The digest ``sha256sum`` prints for a file holding ``content`` (as the executors write it, UTF-8)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@condition("sha256")
def sha256(r: Result, *expected: str) -> Verdict:
    lines = [ln for ln in r.out.splitlines() if ln.strip()]
    got: list[tuple[str, str]] = []
    for ln in lines:
        digest, _, path = ln.partition(" ")
        got.append((digest.lstrip("\\").lower(), path.lstrip(" *")))
    if r.rc != 0 or len(got) != len(expected):
        missing = (r.err.strip().splitlines() or ["sha256sum failed"])[0]
        return Verdict(False, state=f"cannot read every file: {missing}"[:160])
    wrong = [path for (digest, path), want in zip(got, expected, strict=True) if digest != want.lower()]
    if wrong:
        return Verdict(False, state="content differs from the planned file: " + ", ".join(wrong))
    return Verdict(True, state=f"{len(got)} file(s) as planned")
