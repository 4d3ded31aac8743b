"""``modhost_testing``: a pytest plugin for testing mods headless, installed with modhost.

pytest loads it automatically (the ``pytest11`` entry point ``modhost``), so in any project
with modhost installed a test can write::

    def test_a_coin_is_collected(modhost):
        game = modhost.load("mods", only=["arena", "coins"], seed=3)
        game.hold("d", ticks=120)                 # walk right for two seconds
        event = game.assert_event("coin.collected")
        assert game.count("coin") == 9
        game.assert_no_errors()

Fixtures:

``modhost`` (:class:`ModhostFixture`)
    loads a mods folder into a headless :class:`runtime.Host` (a copy in the test's temporary
    folder, so a test never writes into your project), closed after the test.

A :class:`Game` steps ticks, injects input (applied at the start of the next tick, exactly
as a keyboard or an input file would), and records every event mods receive (bus events,
``input.*``, timers, ``collision``, ``trigger.*``), every log line and every diagnostic, so
tests can assert on them. Failed assertions raise ``AssertionError`` with what was seen
instead, so pytest shows something useful.
"""

from __future__ import annotations

__all__ = ["Game", "ModhostFixture", "modhost"]

import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from host_api import Diagnostic, EntityView, HostPolicy, load_policy

from .core import Event, Host, script_state
from .gameplay import InputType, load_input_file
from .reload import ReloadResult


class Game:
    """A loaded, headless world under test. Use :meth:`ModhostFixture.load` to get one.

    :param host: the host (loaded after the game is made, so on_load is observed too).
    :param logs: filled by the host's log sink: every line, by mod id.
    """

    def __init__(self, host: Host, logs: dict[str, list[str]]) -> None:
        #: The host itself, for anything the helpers below do not cover.
        self.host = host
        #: Every event delivered to mods, in delivery order.
        self.events: list[Event] = []
        self._logs = logs
        host.gameplay.observers.append(self.events.append)

    # -- time ---------------------------------------------------------------------------
    @property
    def tick(self) -> int:
        """Ticks run so far."""
        return self.host.tick

    def step(self, ticks: int = 1) -> Game:
        """Run ``ticks`` ticks; returns the game (for chaining)."""
        self.host.step(ticks)
        return self

    def run_until(self, condition: Callable[[Game], bool], *, max_ticks: int = 600) -> int:
        """Step one tick at a time until ``condition(game)`` holds; returns the tick.

        :raises AssertionError: it did not hold within ``max_ticks``.
        """
        for _ in range(max_ticks):
            self.step()
            if condition(self):
                return self.tick
        raise AssertionError(f"condition still false after {max_ticks} ticks (tick {self.tick})")

    # -- input --------------------------------------------------------------------------
    def _queue(self, kind: InputType, key: str | None = None, **xy: float) -> None:
        self.host.gameplay.input.queue_now(self.tick + 1, kind, key, **xy)

    def press(self, key: str) -> Game:
        """Key (or ``mouse1``..``mouse3``) down at the start of the next tick."""
        self._queue("mouse_down" if key.startswith("mouse") else "key_down", key)
        return self

    def release(self, key: str) -> Game:
        """Key (or mouse button) up at the start of the next tick."""
        self._queue("mouse_up" if key.startswith("mouse") else "key_up", key)
        return self

    def hold(self, key: str, *, ticks: int) -> Game:
        """Press ``key``, run ``ticks`` ticks, release it (applied on the tick after)."""
        self.press(key).step(ticks)
        return self.release(key)

    def tap(self, key: str) -> Game:
        """Press and release ``key`` one tick apart (runs one tick)."""
        return self.press(key).step().release(key)

    def move_mouse(self, x: float, y: float) -> Game:
        """Move the pointer (x, y in [-1, 1], y up) at the start of the next tick."""
        self._queue("mouse_move", None, x=x, y=y)
        return self

    def play(self, input_file: Path | str) -> Game:
        """Queue an input file's events (their ticks count from tick 0 of this game)."""
        self.host.gameplay.input.queue(load_input_file(Path(input_file)))
        return self

    # -- world --------------------------------------------------------------------------
    def entities(self, kind: str | None = None, *, tag: str | None = None) -> list[EntityView]:
        """Live entities (of ``kind`` / with ``tag``), ascending id."""
        return self.host.world.query(kind=kind, tag=tag)

    def entity(self, entity_id: int) -> EntityView:
        """One live entity.

        :raises AssertionError: it does not exist.
        """
        view = self.host.world.get(entity_id)
        if view is None:
            raise AssertionError(f"entity {entity_id} does not exist at tick {self.tick}")
        return view

    def count(self, kind: str) -> int:
        """Live entities of ``kind``."""
        return len(self.host.world.ids_of_kind(kind))

    def state(self, mod_id: str, entity_id: int | None = None) -> dict[str, Any]:
        """A mod's ``ctx.state`` (its mod scripts', or one entity's) as the scripts left it."""
        return script_state(self.host, mod_id, entity_id)

    @property
    def hud(self) -> dict[str, str]:
        """HUD items as drawn: ``{"<mod>/<key>": text}``."""
        return self.host.gameplay.hud.items()

    @property
    def world_hash(self) -> str:
        """The world hash now."""
        return self.host.world_hash()

    def reload(self, *mods: str, force: bool = True) -> ReloadResult:
        """Hot-reload mods (by folder name or id) between two ticks, as ``--watch`` does."""
        return self.host.reload(list(mods) or None, force=force)

    # -- what happened ------------------------------------------------------------------
    def events_named(self, name: str) -> list[Event]:
        """Events called ``name``, in delivery order."""
        return [e for e in self.events if e.name == name]

    def assert_event(self, name: str, **payload: Any) -> Event:
        """The first event ``name`` whose payload contains ``payload``'s items.

        :raises AssertionError: none was delivered (the message lists the names seen).
        """
        for event in self.events:
            if event.name == name and _contains(event.payload, payload):
                return event
        seen = sorted({e.name for e in self.events})
        raise AssertionError(f"no event {name!r} with {payload!r}; events seen: {seen}")

    def assert_no_event(self, name: str) -> None:
        """:raises AssertionError: an event ``name`` was delivered."""
        found = self.events_named(name)
        if found:
            raise AssertionError(f"{len(found)} {name!r} events, first at tick {found[0].tick}")

    def log(self, mod_id: str) -> list[str]:
        """Every line ``mod_id`` logged, oldest first (not only the report's last lines)."""
        return list(self._logs.get(mod_id, ()))

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic so far."""
        return self.host.diagnostics

    def codes(self, mod_id: str | None = None) -> list[str]:
        """Diagnostic codes (of ``mod_id``), in order."""
        return [d.code for d in self.diagnostics if mod_id is None or d.mod == mod_id]

    def assert_no_errors(self) -> None:
        """:raises AssertionError: a diagnostic of severity error was raised (all listed)."""
        errors = [d.render() for d in self.diagnostics if d.severity == "error"]
        if errors:
            raise AssertionError("error diagnostics:\n" + "\n".join(errors))

    def state_of(self, mod_id: str) -> str:
        """``running``, ``quarantined``, ``failed`` or ``disabled``."""
        return self.host.state_of(mod_id)


def _contains(payload: Any, expected: dict[str, Any]) -> bool:
    if not expected:
        return True
    return isinstance(payload, dict) and all(
        k in payload and payload[k] == v for k, v in expected.items()
    )


class ModhostFixture:
    """The ``modhost`` fixture: loads mods folders into headless games, closes them after.

    :param workdir: where copies of mods folders go (the test's ``tmp_path``).
    """

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._games: list[Game] = []

    def load(
        self,
        mods: Path | str = "mods",
        *,
        only: Iterable[str] | None = None,
        seed: int = 0,
        policy: HostPolicy | Path | None = None,
        hz: int = 60,
    ) -> Game:
        """Copy ``mods`` (just the folders in ``only``, if given) and load it headless.

        :param policy: a policy, a policy file, or None for the default dev policy with the
            in-process sandbox tier (fast; the tier does not change what scripts see).
        :raises AssertionError: ``mods`` or a folder in ``only`` does not exist.
        """
        source = Path(mods)
        if not source.is_dir():
            raise AssertionError(f"mods folder {source} does not exist")
        target = self._workdir / f"mods-{len(self._games)}"
        target.mkdir(parents=True)
        names = sorted(p.name for p in source.iterdir() if p.is_dir()) if only is None else only
        for name in names:
            if not (source / name).is_dir():
                raise AssertionError(f"no mod folder {name!r} in {source}")
            shutil.copytree(source / name, target / name, ignore=_ignore)
        logs: dict[str, list[str]] = {}
        host = Host(
            target,
            policy=_policy(policy),
            seed=seed,
            hz=hz,
            base_dir=self._workdir,
            log=lambda mod_id, line: logs.setdefault(mod_id, []).append(line),
        )
        game = Game(host, logs)
        self._games.append(game)
        host.load()
        return game

    def close(self) -> None:
        """Close every game loaded (idempotent)."""
        for game in self._games:
            game.host.close()


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".pytest_cache", "tests")}


def _policy(policy: HostPolicy | Path | None) -> HostPolicy:
    if isinstance(policy, HostPolicy):
        return policy
    if policy is not None:
        return load_policy(Path(policy))
    return HostPolicy.model_validate({"sandbox": {"tier": "inprocess"}})


@pytest.fixture
def modhost(tmp_path: Path) -> Iterator[ModhostFixture]:
    """Load mods folders headless; see :class:`ModhostFixture` and :class:`Game`."""
    fixture = ModhostFixture(tmp_path / "modhost")
    yield fixture
    fixture.close()
