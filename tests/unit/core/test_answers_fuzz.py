"""Fuzzing the answers file: whatever a person (or a broken editor) puts in it, ha-wizard answers with a list
of one-line problems naming a key, or a valid Spec whose generated files pass the config checks. Never a
traceback, never a problem first found in a generated file.

Cases start from the shipped examples and apply a few mutations each: wrong types (floats, tables,
datetimes, huge integers), out-of-range numbers, unicode and shell metacharacters, deleted, extra and
misspelt keys and sections, a wrong number of [[nodes]], and TOML broken by cutting or inserting
characters. ``IN_PROCESS`` of them run through ``load_answers`` (and, when valid, the plan and its config
checks) in this process; ``THROUGH_CLI`` run ``ha-wizard plan --offline`` in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core.answers import load_answers, toml_value
from wizard.core.spec import NODE_KEYS, SECTIONS, TOP_LEVEL
from wizard.errors import AnswersError
from wizard.flow.configcheck import check_plan_files
from wizard.flow.session import Options, session_for
from wizard.output.describe import describe_plan

ROOT = Path(__file__).resolve().parents[3]
BASES = [ROOT / "examples" / "tutorial.toml", ROOT / "examples" / "lab.toml",
         ROOT / "tests" / "data" / "answers" / "lab-dopd.toml",
         ROOT / "tests" / "data" / "answers" / "lab-pacemaker.toml"]
IN_PROCESS = int(os.environ.get("HA_WIZARD_FUZZ_CASES", "1000"))
THROUGH_CLI = int(os.environ.get("HA_WIZARD_FUZZ_CLI_CASES", "40"))
# CI runs the same cases each time (a red CI then means the change broke them); elsewhere each run draws anew
DERANDOMIZE = os.environ.get("CI") == "true"
KEYS = [(sec, key) for sec, keys in SECTIONS.items() for key in keys] + [("nodes", k) for k in NODE_KEYS]

# --- values --------------------------------------------------------------------------------------------
NASTY = ["", " ", "3", "0", "all", "eth0", "eth0:1", "a" * 16, ".", "..", "/", "/dev/sda5 /dev/sda6",
         "/dev/vdb1", "/dev/../etc/passwd", "; rm -rf /", "$(reboot)", "`id`", "a'b", 'a"b', "a\\b", "a\nb",
         "\t", "\u202e", "é", "日本", "\u0000", "10.99.0.1", "10.99.0.254", "192.168.1.300", "::1",
         "fe80::1%eth0", "10.0.0.0/8", "1.5", "100M", "10G", "1T", "-1", "0x10", "server1", "node2", "r0",
         "drbd0", "/dev/drbd1048576", "/dev/drbd7", "/replicated", "/mnt/a b", "internal", "sendmail",
         "sha256", "root@example.com", "ucast", "bcast", "C", "8.4", "9", "ext4", "ntfs", "x" * 300,
         "heartbeat", "pacemaker", "auto", "stonith", "none-confirmed", "fence_ipmilan", "fence_virsh"]
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=24)
scalar = st.one_of(
    st.sampled_from(NASTY), text,
    st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1), st.integers(min_value=-2, max_value=70000),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 1, 1)), st.dates(),
)
value = st.one_of(scalar, st.lists(scalar, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "name"]),
                                                                          scalar, max_size=2))


def misspelt(key: str) -> st.SearchStrategy[str]:
    return st.integers(0, max(len(key) - 1, 0)).flatmap(lambda i: st.sampled_from(
        [key[:i] + key[i + 1:], key[:i] + "x" + key[i:], key[:i] + key[i:].upper(), key + "s"]))


DEFAULTS = {(sec, k): d for sec, keys in SECTIONS.items() for k, d in keys.items()} | \
    {("nodes", k): d for k, d in NODE_KEYS.items()}


def plausible(key: tuple[str, str]) -> st.SearchStrategy[Any]:
    """A value of the key's own type, often near the edge of its range: most of these pass validation,
    so the plan and its config checks run on unusual but valid answers."""
    d = DEFAULTS[key]
    if isinstance(d, bool):
        return st.booleans()
    if isinstance(d, int):
        return st.one_of(st.integers(-1, 3), st.integers(0, 700), st.sampled_from([6, 7, 32, 120, 200, 65534,
                                                                                    65535, 65536, 131072]))
    if isinstance(d, list):
        return st.lists(st.sampled_from(["sendmail", "apache2", "bind9", "postgresql", "sendmial", ""]),
                        max_size=3)
    return st.sampled_from(NASTY)


def mutation() -> st.SearchStrategy[tuple[Any, ...]]:
    key = st.sampled_from(KEYS)
    return st.one_of(
        st.tuples(st.just("set"), key, value),
        st.tuples(st.just("set"), key, value),  # twice as likely: the common mistake
        st.tuples(st.just("set"), key.flatmap(lambda k: st.tuples(st.just(k), plausible(k)))).map(
            lambda t: ("set", t[1][0], t[1][1])),
        st.tuples(st.just("set"), key.flatmap(lambda k: st.tuples(st.just(k), plausible(k)))).map(
            lambda t: ("set", t[1][0], t[1][1])),
        st.tuples(st.just("del"), key),
        st.tuples(st.just("extra"), key.flatmap(lambda k: st.tuples(st.just(k[0]), misspelt(k[1]) | text)),
                  value),
        st.tuples(st.just("section"), st.sampled_from(TOP_LEVEL), st.one_of(scalar, st.just(None))),
        st.tuples(st.just("nodes"), st.integers(0, 3)),
        st.tuples(st.just("top"), misspelt("heartbeat") | text),
    )


def apply(raw: dict[str, Any], m: tuple[Any, ...], node: int) -> None:
    op = m[0]
    if op in ("set", "del", "extra"):
        sec = m[1][0]
        table = raw.get(sec)
        if sec == "nodes":
            nodes = table if isinstance(table, list) else []
            table = nodes[node % len(nodes)] if nodes else None
        if not isinstance(table, dict):
            return
        if op == "set":
            table[m[1][1]] = m[2]
        elif op == "del":
            table.pop(m[1][1], None)
        else:
            table[m[1][1]] = m[2]
    elif op == "section":
        if m[2] is None:
            raw.pop(m[1], None)
        else:
            raw[m[1]] = m[2]
    elif op == "nodes" and isinstance(raw.get("nodes"), list):
        nodes = raw["nodes"]
        raw["nodes"] = (nodes * 2)[: m[1]]
    elif op == "top":
        raw[m[1]] = {"deadtime": 30}


# --- writing TOML (the shipped writer knows only the schema's types) -------------------------------------
def tval(v: Any) -> str:
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return "{" + ", ".join(f"{tkey(k)} = {tval(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(tval(x) for x in v) + "]"
    return toml_value(v)


def tkey(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_value(k)


def dumps(raw: dict[str, Any]) -> str:
    head: list[str] = []
    body: list[str] = []
    for k, v in raw.items():
        if isinstance(v, dict):
            body += [f"[{tkey(k)}]", *(f"{tkey(kk)} = {tval(vv)}" for kk, vv in v.items())]
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for x in v:
                body += [f"[[{tkey(k)}]]", *(f"{tkey(kk)} = {tval(vv)}" for kk, vv in x.items())]
        else:
            head.append(f"{tkey(k)} = {tval(v)}")
    return "\n".join(head + body) + "\n"


@st.composite
def answers_text(draw: st.DrawFn) -> str:
    raw = tomllib.loads(draw(st.sampled_from(BASES)).read_text())
    for m in draw(st.lists(mutation(), min_size=1, max_size=3)):
        apply(raw, m, draw(st.integers(0, 1)))
    out = dumps(raw)
    if draw(st.integers(0, 9)) == 0:  # one case in ten: the file itself is broken
        i = draw(st.integers(0, len(out)))
        cut = draw(st.integers(0, 12))
        out = out[:i] + draw(st.sampled_from(["", "=", "[", "]", '"', "\n", "[[nodes]]\n", "x = 1\n"])) + out[i + cut:]
    return out


# --- the property ----------------------------------------------------------------------------------------
NAMES_A_KEY = re.compile(r"^(\[.+\]|nodes\b|(" + "|".join(SECTIONS) + r")\.)")


def check_problems(problems: list[str]) -> None:
    assert problems, "an AnswersError must list at least one problem"
    for p in problems:
        assert "\n" not in p and "\r" not in p, f"not one line: {p!r}"
        assert NAMES_A_KEY.match(p) or (p.startswith("not valid TOML") and "line" in p), \
            f"names no key: {p!r}"


def check_file(path: Path, journal: str) -> str:
    """ "problems", "valid" or "pacemaker" (a valid plan on that stack), or an AssertionError / any other
    exception as the test's failure."""
    try:
        spec, given_secrets = load_answers(path)
    except AnswersError as e:
        check_problems(e.problems)
        return "problems"
    session = session_for(spec, given_secrets, Options(dry_run=True, offline=True, journal_dir=journal),
                          connect=False)
    assert session.context is not None
    steps = session.plan()  # the Pacemaker stack's too: only a real run of it is refused (the lab gate)
    fatal = [str(p) for p in check_plan_files(session.context, steps, run_drbdadm=False) if p.fatal]
    assert not fatal, f"valid answers, but the generated files are wrong: {fatal}"
    describe_plan(steps, None, session.redactor, "plan")
    return "pacemaker" if session.context.stack == "pacemaker" else "valid"


def test_fuzz_answers_in_process(tmp_path: Path, fuzz_report: dict[str, Any]) -> None:
    seen: dict[str, int] = {"problems": 0, "valid": 0, "pacemaker": 0}
    f = tmp_path / "answers.toml"

    @settings(max_examples=IN_PROCESS, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(answers_text())
    def one(content: str) -> None:
        f.write_text(content, encoding="utf-8")
        seen[check_file(f, str(tmp_path / "journal"))] += 1

    one()
    total = sum(seen.values())
    valid = seen["valid"] + seen["pacemaker"]
    fuzz_report["in process"] = (f"{total} cases ({seen['problems']} with problems, {valid} valid, "
                                 f"{seen['pacemaker']} of them Pacemaker plans)")
    assert total >= IN_PROCESS


def test_fuzz_answers_through_the_cli(tmp_path: Path, fuzz_report: dict[str, Any]) -> None:
    cases: list[str] = []

    @settings(max_examples=THROUGH_CLI, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(answers_text())
    def collect(content: str) -> None:
        cases.append(content)

    collect()
    files = []
    for i, content in enumerate(cases):
        p = tmp_path / f"case{i}.toml"
        p.write_text(content, encoding="utf-8")
        files.append(p)

    def run(p: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        with tempfile.TemporaryDirectory() as journal:
            return p, subprocess.run(
                [sys.executable, "-m", "wizard", "plan", "--offline", "--journal-dir", journal, "--answers", str(p)],
                capture_output=True, text=True, cwd=ROOT, timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, files))
    codes: dict[int, int] = {}
    for p, r in results:
        codes[r.returncode] = codes.get(r.returncode, 0) + 1
        both = r.stdout + r.stderr
        assert "Traceback" not in both, f"{p}:\n{p.read_text()}\n{both}"
        assert r.returncode in (0, 2), f"exit {r.returncode} for {p}:\n{p.read_text()}\n{both}"
        if r.returncode == 2:
            lines = [ln[4:] for ln in r.stderr.splitlines() if ln.startswith("  - ")]
            check_problems(lines)
    fuzz_report["through the CLI"] = f"{len(results)} cases (exit codes {dict(sorted(codes.items()))})"
    assert len(results) >= THROUGH_CLI

