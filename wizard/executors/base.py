"""The one interface every executor offers: local, SSH and dry-run.

File operations are built from a few shell primitives (``cat``, ``mktemp``, ``mv``) run through ``_exec``,
so the local and SSH executors share every line of that logic and differ only in how a command is
started. Content goes through stdin, never argv, so secrets never show up in ``ps``.
"""

from __future__ import annotations

import abc
import hashlib
import shlex
from collections.abc import Callable, Sequence

from wizard.executors.pty import Q, run_in_pty
from wizard.executors.result import Output, Result

__all__ = ["Executor", "Output", "Result", "shell_join"]


# Write atomically: a hidden temp file beside the target (".NAME.ha-wizard-tmp.XXXXXX": no config glob such
# as drbd.d/*.res picks it up), umask 077 so a secret is never readable, then chmod, chown, fsync (via sync
# FILE where supported) and rename over the target. The content's size and sha256 are checked before the
# rename: a connection dropped (or a wizard killed) mid-transfer closes the remote stdin, and `cat` would
# end "successfully" with half a file. Temp files left by a shell killed outright are removed by the next
# write of the same target.
_WRITE = (
    'umask 077; d=$(dirname -- "$1"); b=$(basename -- "$1"); rm -f -- "$d/.$b.ha-wizard-tmp."*; '
    't=$(mktemp "$d/.$b.ha-wizard-tmp.XXXXXX") || exit 1; '
    'cat > "$t" && [ "$(wc -c < "$t")" -eq "$4" ] && [ "$(sha256sum < "$t" | cut -c1-64)" = "$5" ] '
    '&& chmod "$2" "$t" && chown "$3" "$t" && { sync "$t" 2>/dev/null || true; } '
    '&& mv -f "$t" "$1" || { rm -f "$t"; echo "incomplete or failed write, $1 left as it was" >&2; exit 1; }'
)
TEMP_MARK = ".ha-wizard-tmp."


class Executor(abc.ABC):
    """Runs commands and touches files on one node."""

    #: node name (as in the answers file)
    node: str
    #: how the node is reached, for display ("this machine", "root@10.0.0.2")
    label: str
    #: False for the dry-run executor
    mutates: bool = True

    # --- what subclasses provide -------------------------------------------------------------
    @abc.abstractmethod
    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        """Run argv to completion and capture its output."""

    @abc.abstractmethod
    def pty_argv(self, argv: Sequence[str]) -> list[str]:
        """The local argv that runs ``argv`` on the node with a terminal (``ssh -tt`` for a peer)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def begin_step(self) -> None:  # noqa: B027 - optional hook
        """A step starts on this node: until ``end_step`` its connection must not be swapped for another."""

    def end_step(self) -> None:  # noqa: B027 - optional hook
        """The step is over (done, skipped or failed)."""

    # --- read-only: allowed in dry-run ---------------------------------------------------------
    def probe(self, argv: Sequence[str], *, timeout: float = 30.0) -> Result:
        """A read-only command (fdisk -l, cat /proc/drbd ...)."""
        return self._exec(argv, input=None, timeout=timeout, env=None)

    def read_file(self, path: str) -> str | None:
        r = self.probe(["sh", "-c", 'test -f "$1" || exit 3; cat -- "$1"', "sh", path])
        return r.out if r.rc == 0 else None

    def is_dir(self, path: str) -> bool:
        return self.probe(["test", "-d", path]).rc == 0

    def readlink(self, path: str) -> str | None:
        r = self.probe(["readlink", "--", path])
        return r.out.rstrip("\n") if r.rc == 0 else None

    def file_mode(self, path: str) -> int | None:
        r = self.probe(["stat", "-c", "%a", "--", path])
        return int(r.out.strip(), 8) if r.rc == 0 and r.out.strip() else None

    # --- changes the node ----------------------------------------------------------------------
    def run(self, argv: Sequence[str], *, input: str | None = None, timeout: float = 300.0,
            env: dict[str, str] | None = None) -> Result:
        return self._exec(argv, input=input, timeout=timeout, env=env)

    def run_prompted(self, argv: Sequence[str], prompts: Sequence[Q], *,
                     answer: Callable[[Q], str], timeout: float = 300.0,
                     on_output: Output | None = None,
                     env: dict[str, str] | None = None) -> Result:
        full = list(argv)
        if env:
            full = ["env", *(f"{k}={v}" for k, v in env.items()), *full]
        return run_in_pty(self.pty_argv(full), prompts, answer=answer, timeout=timeout, on_output=on_output)

    def write_file(self, path: str, content: str, *, mode: int = 0o644, owner: str = "root",
                   group: str = "root") -> None:
        data = content.encode()
        r = self._exec(["sh", "-c", _WRITE, "sh", path, f"{mode:o}", f"{owner}:{group}", str(len(data)),
                        hashlib.sha256(data).hexdigest()], input=content, timeout=60.0, env=None)
        if r.rc != 0:
            raise OSError(f"cannot write {path} on {self.node}: {r.text.strip() or 'exit ' + str(r.rc)}")

    def make_dir(self, path: str, mode: int = 0o755) -> None:
        self._checked(["mkdir", "-p", "-m", f"{mode:o}", "--", path], f"create directory {path}")

    def symlink(self, path: str, target: str) -> None:
        self._checked(["ln", "-sfn", "--", target, path], f"link {path} -> {target}")

    def backup(self, path: str, suffix: str) -> str:
        dest = f"{path}.ha-wizard-{suffix}.bak"
        self._checked(["cp", "-a", "--", path, dest], f"back up {path}")
        return dest

    def _checked(self, argv: Sequence[str], what: str) -> None:
        r = self._exec(argv, input=None, timeout=60.0, env=None)
        if r.rc != 0:
            raise OSError(f"cannot {what} on {self.node}: {r.text.strip() or 'exit ' + str(r.rc)}")

    def describe(self) -> str:
        return f"{self.node} ({self.label})"


def shell_join(argv: Sequence[str]) -> str:
    return shlex.join(list(argv))
