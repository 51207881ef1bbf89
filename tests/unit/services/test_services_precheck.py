"""Before apply changes anything: versions, paths and an earlier move's leftovers, from the facts."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.services import ctx, node

from wizard.errors import WizardError
from wizard.services.discover import PathFact
from wizard.services.precheck import problems, require_ready


def with_path(n, path: str, fact: PathFact):  # type: ignore[no-untyped-def]
    return dataclasses.replace(n, paths={**n.paths, path: (fact,)})


def test_a_healthy_pair_is_ready_and_an_unprobed_one_is_left_to_the_preflight() -> None:
    require_ready(ctx(["apache2", "postgresql"]))
    assert problems(dataclasses.replace(ctx(["apache2"]), facts={})) == []


def test_every_problem_is_named_before_anything_changes() -> None:
    m = with_path(node("node1"), "/etc/apache2", PathFact("/etc/apache2", "link", "/srv/apache2"))
    m = with_path(m, "/var/www", PathFact("/var/www", "dir", orig=True))
    p = with_path(node("node2", pg="16+257"), "/var/lib/postgresql/*/main", PathFact("/x", "missing"))
    p = dataclasses.replace(p, paths={k: v for k, v in p.paths.items() if k != "/etc/postgresql/*/main"})
    m = dataclasses.replace(m, paths={k: v for k, v in m.paths.items() if k != "/etc/postgresql/*/main"})
    with pytest.raises(WizardError) as e:
        require_ready(ctx(["apache2", "postgresql"], m=m, p=p))
    text = str(e.value)
    assert text.startswith("the services cannot move yet; nothing was changed:")
    assert "/etc/apache2 on node1 is a link to /srv/apache2: apache2 cannot move a link" in text
    assert "/var/www.ha-wizard-orig exists on node1 (an earlier move?): move it away first" in text
    assert "postgresql 15+248+deb12u2 on node1 but 16+257 on node2" in text
    assert "postgresql: nothing at /etc/postgresql/*/main on node1" in text


def test_a_move_cut_off_half_way_is_not_a_leftover() -> None:
    moving = PathFact("/var/www", "missing", orig=True)  # renamed to .ha-wizard-orig, link not made yet
    done = PathFact("/etc/apache2", "link", "/replicated/etc/apache2", orig=True)
    m = with_path(with_path(node("node1"), "/var/www", moving), "/etc/apache2", done)
    assert problems(ctx(["apache2"], m=m)) == []
