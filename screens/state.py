"""What the admin has entered so far: a draft shaped like the answers file, and the secrets beside it.

Screens write their fields here and validate through ``wizard.core.spec.spec_from_dict`` (its table of keys and
the field validators of ``wizard.core.validate``), so every field error is the same sentence the CLI prints.
No textual import: this is plain data.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INT_RE = re.compile(r"^-?[0-9]+$")


def as_int(text: str) -> int | str:
    """An integer field's value: the number, or the text as typed so validation names it."""
    t = text.strip()
    return int(t) if INT_RE.match(t) else t


@dataclass
class RunOutcome:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_implemented: list[str] = field(default_factory=list)
    dry_run: bool = False
    stopped: str = ""  # why the run stopped early, "" when it went through


@dataclass
class WizardState:
    dry_run: bool
    journal_dir: str
    raw: dict[str, Any]  # the draft, without secrets (answers_io.complete shape)
    shared_secret: str
    authkey: str
    answers_source: str = ""  # the file the draft started from ("" = defaults)
    load_problem: str = ""  # why the given answers file could not be read, "" when fine
    save_path: str = ""
    saved_to: str = ""  # where the answers were saved, once they were
    known_hosts: str | None = None  # a private copy in dry-run, None = ~/.ssh/known_hosts
    outcome: RunOutcome | None = None
    drills: list[Any] = field(default_factory=list)  # the failover drills' measurements (wizard.failover.result)
    # read-only facts gathered by the screens' workers, by role ("master" / "peer")
    facts: dict[str, Any] = field(default_factory=dict)
    probe: Any = None  # the read-only (dry-run) Session used for facts
    probe_key: tuple[Any, ...] = ()
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # Discovered values ("peer.name", "master.address", "service.interface" ...) and where they came from.
    # A discovered value fills a field only while the admin has given none: the field is blank, holds a
    # schema default nobody chose (``defaulted``, "nodes.N.key" / "section.key"), or was filled by an
    # earlier discovery (``filled``); once the admin types into it (``typed``) it is theirs.
    discovered: dict[str, Any] = field(default_factory=dict)
    defaulted: set[str] = field(default_factory=set)
    filled: set[str] = field(default_factory=set)
    typed: set[str] = field(default_factory=set)

    # --- nodes by role ------------------------------------------------------------------------------
    @property
    def master_index(self) -> int:
        names = [n.get("name") for n in self.raw["nodes"]]
        m = self.raw["cluster"].get("master")
        return names.index(m) if m in names else 0

    @property
    def peer_index(self) -> int:
        return 1 - self.master_index

    def node(self, role: str) -> dict[str, Any]:
        return self.raw["nodes"][self.master_index if role == "master" else self.peer_index]

    def number(self, role: str) -> int:
        """The 1-based [[nodes]] number the validation sentences use."""
        return (self.master_index if role == "master" else self.peer_index) + 1

    def _holder(self, key: str) -> tuple[dict[str, Any], str, str]:
        """(the dict holding ``key``'s value, the value's name, its ``defaulted`` key)."""
        section, _, name = key.partition(".")
        if section in ("master", "peer"):
            i = self.master_index if section == "master" else self.peer_index
            return self.raw["nodes"][i], name, f"nodes.{i}.{name}"
        return self.raw[section], name, key

    def offer(self, key: str, found: Any) -> bool:
        """Use a discovered value (``wizard.nodes.discover.Found``) for ``key`` unless the admin gave that
        field; True when it was put into the draft."""
        self.discovered[key] = found
        holder, name, dkey = self._holder(key)
        if key in self.typed:
            return False
        if holder.get(name) in ("", None) or dkey in self.defaulted or key in self.filled:
            if key == "master.name":
                self.rename_master(found.value)
            else:
                holder[name] = found.value
            self.defaulted.discard(dkey)
            self.filled.add(key)
            return True
        return False

    def mark_typed(self, key: str) -> None:
        """The admin typed into ``key``'s field: discoveries never replace it again."""
        self.typed.add(key)
        self.filled.discard(key)
        self.defaulted.discard(self._holder(key)[2])

    def current(self, key: str) -> Any:
        holder, name, _ = self._holder(key)
        return holder.get(name)

    def source_of(self, key: str) -> str:
        """Where the field's current value came from, when the wizard discovered it ("" otherwise)."""
        found = self.discovered.get(key)
        holder, name, _ = self._holder(key)
        if found is None or key not in self.filled or holder.get(name) != found.value:
            return ""
        return found.source

    def rename_master(self, name: str) -> None:
        self.node("master")["name"] = name
        self.raw["cluster"]["master"] = name

    def peer_key(self) -> tuple[Any, ...]:
        """What decides how the peer is reached: facts gathered under another key are stale. The names are
        not part of it: naming the peer (or learning its `uname -n`) needs no new connection."""
        peer = self.node("peer")
        return (self.demo, peer.get("ssh"), peer.get("address"), peer.get("ssh_port"), peer.get("ssh_user"))

    def shown_name(self, role: str) -> str:
        """How screens name a node: its name, or that it has none yet (never a made-up one)."""
        from wizard.core.answers import NOT_NAMED

        return str(self.node(role).get("name") or NOT_NAMED[role])

    def fresh(self, fact: str) -> Any:
        """A gathered fact, or None when it was gathered for another peer address."""
        if self.facts.get(f"{fact}_key") == self.peer_key():
            return self.facts.get(fact)
        return None

    def remember(self, fact: str, value: Any, key: tuple[Any, ...]) -> None:
        self.facts[fact], self.facts[f"{fact}_key"] = value, key

    @property
    def demo(self) -> bool:
        return self.raw["cluster"].get("demo") is True

    # --- validation ---------------------------------------------------------------------------------
    def problems(self, prefixes: list[str] | None = None) -> list[str]:
        """Validation sentences (all, or those starting with one of ``prefixes``)."""
        from wizard.core.spec import spec_from_dict
        from wizard.errors import AnswersError

        try:
            spec_from_dict(self.raw, source=self.save_path or "answers")
        except AnswersError as e:
            found = e.problems
        else:
            return []
        if prefixes is None:
            return found
        return [p for p in found if any(p.startswith(x) for x in prefixes)]

    def spec(self):  # type: ignore[no-untyped-def]
        """The validated Spec (raises AnswersError), its source being where the answers are saved."""
        from wizard.core.spec import spec_from_dict

        spec, _ = spec_from_dict(self.raw, source=self.saved_to or self.save_path or "answers")
        return spec

    def given(self):  # type: ignore[no-untyped-def]
        from wizard.core.spec import SecretsInAnswers

        return SecretsInAnswers(self.shared_secret, self.authkey)

    @property
    def keep_secrets(self) -> bool:
        return self.raw["wizard"].get("keep_secrets_in_answers") is True

    def default_save_path(self) -> str:
        return str(Path(self.journal_dir) / "answers.toml")
