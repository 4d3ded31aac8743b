"""The state machine alone: every pair of states, every actor rule."""

from __future__ import annotations

import itertools

import pytest

from host_api import DiagnosticCode
from marketplace import TRANSITIONS, InvalidTransition, State, check_transition

INVALID = [(a, b) for a, b in itertools.product(State, State) if (a, b) not in TRANSITIONS]
#: Who makes each valid move in these tests, and their roles.
ACTORS = {
    "author": ("ada", frozenset()),
    "reviewer": ("rex", frozenset({"reviewer"})),
    "maintainer": ("mia", frozenset({"maintainer"})),
}


def _check(a: State, b: State, actor: str, roles: frozenset[str], reason: str = "why") -> None:
    check_transition(
        submission_id=1,
        mod_id="coin",
        from_state=a,
        to_state=b,
        actor=actor,
        author="ada",
        roles=roles,
        reason=reason,
    )


def test_the_contract_has_seven_transitions() -> None:
    assert len(TRANSITIONS) == 7
    assert len(INVALID) == 7 * 7 - 7


@pytest.mark.parametrize(("a", "b"), INVALID, ids=lambda s: str(s))
def test_every_other_transition_is_invalid(a: State, b: State) -> None:
    with pytest.raises(InvalidTransition) as info:
        _check(a, b, "root", frozenset({"reviewer", "maintainer"}))
    diag = info.value.to_diagnostic()
    assert diag.code == DiagnosticCode.MARKET_INVALID_TRANSITION
    assert f"cannot go from {a} to {b}" in diag.message
    assert diag.hint.startswith(f"from {a} it can move to")


@pytest.mark.parametrize(("a", "b"), list(TRANSITIONS), ids=lambda s: str(s))
def test_each_transition_is_allowed_for_its_actor_only(a: State, b: State) -> None:
    rule = TRANSITIONS[(a, b)]
    actor, roles = ACTORS[str(rule.who)]
    _check(a, b, actor, roles)
    for other, (name, other_roles) in ACTORS.items():
        if other != str(rule.who):
            with pytest.raises(InvalidTransition):
                _check(a, b, name, other_roles)


def test_author_cannot_approve_own_submission_even_as_reviewer() -> None:
    with pytest.raises(InvalidTransition, match="cannot approve their own"):
        _check(State.REVIEW, State.APPROVED, "ada", frozenset({"reviewer", "maintainer"}))


@pytest.mark.parametrize(
    ("a", "b", "actor", "roles"),
    [
        (State.REVIEW, State.REJECTED, "rex", frozenset({"reviewer"})),
        (State.REVIEW, State.CHANGES_REQUESTED, "rex", frozenset({"reviewer"})),
        (State.PUBLISHED, State.YANKED, "mia", frozenset({"maintainer"})),
    ],
)
def test_reasons_are_required(a: State, b: State, actor: str, roles: frozenset[str]) -> None:
    with pytest.raises(InvalidTransition, match="needs a reason"):
        _check(a, b, actor, roles, reason="  ")
