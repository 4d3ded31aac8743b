"""The submission state machine of the Marketplace contract, as pure data and one check.

Nothing here touches a store: :func:`check_transition` answers "may this actor move this
submission from A to B?" and raises :class:`InvalidTransition` otherwise. The store then
performs the move with a compare-and-set on the state it was checked against.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from ._errors import InvalidTransition


class State(StrEnum):
    """Submission states. Tools match these strings: never rename one."""

    DRAFT = "draft"
    REVIEW = "review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    PUBLISHED = "published"
    YANKED = "yanked"


class Role(StrEnum):
    """Who may make a transition. ``author`` is the submission's author, not a stored role."""

    AUTHOR = "author"
    REVIEWER = "reviewer"
    MAINTAINER = "maintainer"


#: Roles the store can grant (``author`` is implied by submitting).
GRANTABLE_ROLES: Final = frozenset({Role.REVIEWER, Role.MAINTAINER})


@dataclass(frozen=True)
class Rule:
    """What one allowed transition requires."""

    who: Role
    #: A non-empty reason must be given.
    needs_reason: bool = False
    #: The actor must not be the submission's author (no self-approval).
    not_author: bool = False
    #: Entering the target state runs the validation gates.
    runs_gates: bool = False
    #: Allowed only when every gate passed (else MARKET_VALIDATION_FAILED).
    needs_gates_passed: bool = False
    #: The transition carries a new package.
    needs_package: bool = False


#: The only transitions that exist (DESIGN.md, Marketplace contract).
TRANSITIONS: Final[Mapping[tuple[State, State], Rule]] = MappingProxyType(
    {
        (State.DRAFT, State.REVIEW): Rule(Role.AUTHOR, runs_gates=True),
        (State.REVIEW, State.APPROVED): Rule(
            Role.REVIEWER, not_author=True, needs_gates_passed=True
        ),
        (State.REVIEW, State.CHANGES_REQUESTED): Rule(Role.REVIEWER, needs_reason=True),
        (State.REVIEW, State.REJECTED): Rule(Role.REVIEWER, needs_reason=True),
        (State.CHANGES_REQUESTED, State.DRAFT): Rule(Role.AUTHOR, needs_package=True),
        (State.APPROVED, State.PUBLISHED): Rule(Role.MAINTAINER),
        (State.PUBLISHED, State.YANKED): Rule(Role.MAINTAINER, needs_reason=True),
    }
)

#: States with no way out.
FINAL_STATES: Final = frozenset({State.REJECTED, State.YANKED})


def allowed_targets(state: State) -> tuple[State, ...]:
    """The states reachable from ``state`` in one transition, in contract order."""
    return tuple(to for (frm, to) in TRANSITIONS if frm == state)


def check_transition(
    *,
    submission_id: int,
    mod_id: str,
    from_state: State,
    to_state: State,
    actor: str,
    author: str,
    roles: Collection[str],
    reason: str = "",
) -> Rule:
    """Check one transition against the contract and return its rule.

    :param roles: the roles the store granted ``actor`` (``reviewer``, ``maintainer``).
    :raises InvalidTransition: the pair is not in :data:`TRANSITIONS`, the actor may not make
        it, or a required reason is missing. The message names the allowed moves.
    """
    rule = TRANSITIONS.get((from_state, to_state))
    where = f"submission {submission_id} ({mod_id})"
    if rule is None:
        targets = allowed_targets(from_state)
        allowed = ", ".join(str(t) for t in targets) if targets else "nothing (final state)"
        raise InvalidTransition(
            f"{where} cannot go from {from_state} to {to_state}",
            mod_id=mod_id,
            hint=f"from {from_state} it can move to: {allowed}",
            details={"from": str(from_state), "to": str(to_state), "allowed": list(targets)},
        )
    _check_actor(rule, where, mod_id, from_state, to_state, actor, author, roles)
    if rule.needs_reason and not reason.strip():
        raise InvalidTransition(
            f"{where}: {from_state} -> {to_state} needs a reason",
            mod_id=mod_id,
            hint="pass --reason 'what must change and why'",
            details={"from": str(from_state), "to": str(to_state)},
        )
    return rule


def _check_actor(
    rule: Rule,
    where: str,
    mod_id: str,
    from_state: State,
    to_state: State,
    actor: str,
    author: str,
    roles: Collection[str],
) -> None:
    details = {"from": str(from_state), "to": str(to_state), "actor": actor, "author": author}
    if rule.who is Role.AUTHOR and actor != author:
        raise InvalidTransition(
            f"{where}: only its author '{author}' may move it from {from_state} to {to_state}",
            mod_id=mod_id,
            hint=f"run it as --as {author}",
            details=details,
        )
    if rule.not_author and actor == author:
        raise InvalidTransition(
            f"{where}: '{actor}' is its author and cannot approve their own submission",
            mod_id=mod_id,
            hint="ask another reviewer to approve it",
            details=details,
        )
    if rule.who is not Role.AUTHOR and str(rule.who) not in roles:
        raise InvalidTransition(
            f"{where}: {from_state} -> {to_state} needs the {rule.who} role, "
            f"which '{actor}' does not have",
            mod_id=mod_id,
            hint=f"a maintainer grants it with 'modhost market grant-role {actor} {rule.who}'",
            details=details,
        )
