"""How much memory a mod keeps: an incremental walk over its module data and ``ctx.state``.

Walking everything a mod keeps after each call costs in proportion to what it keeps: a mod
holding a 400,000-entry table paid a 0.2-0.4 s walk every tick without changing a byte of it.
Here the walk is spread over calls instead, and each call pays for as much of it as the work
it did could have changed (:meth:`RetainedWalk.earn`): a base per call, one object per
:data:`FUEL_PER_VISIT` units of fuel it used, and a share of the big allocations it made. A
mod that keeps data and does little pays little, however much it keeps.

One *pass* starts from the roots (module globals, the ``ctx.state`` dicts seen since the
last pass started) and visits what is reachable through script data, each object once,
counting ``sys.getsizeof``: containers, strings, numbers, and the defaults and closures of
the script's own functions; builtins and host objects are not the mod's and are not counted.
A pass that counts past the limit stops the mod (``SANDBOX_MEMORY_LIMIT``) at once, without
finishing; a finished pass starts the next one on a later call. Data a mod adds to a
container the current pass has already looked at is counted by the next pass, so growth is
caught within about one pass, and a bomb that grows in big steps much sooner: big
allocations earn the walk credit, every single value is bounded by the allocation guards as
it is made, and in process, when the host's peak memory has grown by a quarter of the limit,
the next check walks everything at once (:meth:`RetainedWalk.grown`: bulk work done in C,
``list(range(n))``, earns no credit by itself). In the process tier the OS's address-space
limit does that job: a worker's walk is only ever incremental, so accounting never holds a
call past its deadline.

Cost per visit is one ``getsizeof`` and, only for objects referenced from more than one
place, one set lookup: a value held once cannot be met twice in a pass, so the walk remembers
only shared objects (and so never holds a set as large as the data). Between calls the walk
keeps one cursor per container it is inside, not a queue of elements.
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import filterfalse, islice
from types import FunctionType
from typing import Any, Final

#: Objects one chunk of walking visits at least; calls earn credit until a chunk is due.
CHUNK: Final = 128
#: Credit a mod-script call or module body earns (a chunk per call: they run once per tick).
MOD_CALL_CREDIT: Final = CHUNK
#: Credit an entity call earns (a chunk every 64 calls of a kind with many entities).
ENTITY_CALL_CREDIT: Final = CHUNK // 64
#: Credit at which an entity batch's loop walks (a step has a fixed cost, about as much as
#: a hundred visits: the roots are listed and a finished pass starts the next, so a batch
#: of cheap entities walks in bigger, rarer chunks; what it visits in all is the same).
BATCH_CHUNK: Final = 8 * CHUNK
#: Growth of the process's peak resident memory, as a share of the limit, that makes the next
#: check a whole walk at once (see :meth:`RetainedWalk.grown`).
PEAK_SHARE: Final = 4
#: Units of fuel that earn one visit.
FUEL_PER_VISIT: Final = 4
#: Bytes of allocations (see ``_guards.WALK_ALLOCATION``) that earn one visit: as many
#: visits as the smallest objects (about 32 bytes) those bytes could have held.
BYTES_PER_VISIT: Final = 32
#: Credit kept at most between calls (a burst of cheap calls cannot save up a long stall).
MAX_CREDIT: Final = 256 * CHUNK

_CONTAINERS: Final = (dict, list, tuple, set, frozenset)
_LEAVES: Final = (str, bytes, int, float, bool, complex, type(None))
#: ``sys.getrefcount`` of an object held once (its holder, the walk's local, the call's arg).
_HELD_ONCE: Final = 3
#: The same, counted through ``map`` (its holder and the call's arg).
_HELD_ONCE_MAPPED: Final = 2
_LEAF_SET: Final = frozenset(_LEAVES)
#: What ``sys.getsizeof`` adds to a dict's ``__sizeof__`` (its garbage-collector header).
_DICT_HEADER: Final = sys.getsizeof({}) - {}.__sizeof__()
#: Dicts of at most this many leaves have their values counted at once.
_FLAT_DICT: Final = 32


class RetainedWalk:
    """The incremental walk of one sandbox's retained data (see the module docs).

    :param limit: bytes the mod may keep (its ``memory_mb``).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        #: Visits earned and not yet spent.
        self.credit = 0
        #: Bytes the last finished pass counted (0 before the first one finishes).
        self.last_total = 0
        #: Passes finished so far.
        self.passes = 0
        #: Objects visited so far, over every pass (what the walk has cost).
        self.visits = 0
        self._stack: list[list[Any]] = []
        self._seen: set[int] = set()
        self._total = 0
        #: The states to walk next pass: ``ctx.state`` dicts by ``id(ctx)``, and each entity
        #: batch's list of its rows' states by kind (see :meth:`note_states`).
        self._states: dict[Any, Any] = {}
        #: For an object of no type the walk knows, what it holds when it is the script's
        #: own (its classes' instances, standard-library containers), or None to skip it.
        self.contents: Callable[[Any], Iterable[Any] | None] | None = None
        #: The type name of a value found inside a ``ctx.state`` that is not plain data (the
        #: host copies and sends states, so they hold plain data only); None when none was.
        self.foreign: str | None = None
        #: The memory figure :meth:`grown` watches: the process's peak resident size (the
        #: peak only moves when the process as a whole needs more memory). A process-tier
        #: worker sets None: there the OS bounds such growth (``RLIMIT_AS``).
        self.measure: Callable[[], int] | None = peak_bytes
        self._mark = peak_bytes()

    def watch(self, measure: Callable[[], int] | None) -> None:
        """Measure growth (:meth:`grown`) on ``measure`` from now on (None: never)."""
        self.measure = measure
        self._mark = 0 if measure is None else measure()

    def grown(self) -> bool:
        """Whether the process's memory (:attr:`measure`) grew by a quarter of the limit
        since the last time this said so: then something built a lot at once, in C work that
        earns no credit (``list(range(n))``, ``str.split``), and the next check should be a
        whole walk, not a chunk. One system call.
        """
        if self.measure is None:
            return False
        now = self.measure()
        if now - self._mark < self.limit // PEAK_SHARE:
            return False
        self._mark = now
        return True

    def earn(self, visits: int) -> bool:
        """Add credit; True when a chunk is due (call :meth:`step`)."""
        self.credit = min(MAX_CREDIT, self.credit + visits)
        return self.credit >= CHUNK

    def note_state(self, ctx: Any) -> None:
        """Count ``ctx.state`` from the next pass on (the latest state of each ``ctx``: a
        process-tier worker gets a fresh copy of each state every tick)."""
        state = getattr(ctx, "state", None)
        if type(state) is dict:
            self._states[id(ctx)] = state

    def note_states(self, kind: str, states: list[dict[str, Any]]) -> None:
        """Count every state of an entity batch from the next pass on (the latest batch of
        each kind): one ``ctx`` serves a whole batch, so :meth:`note_state` sees one row."""
        self._states[("kind", kind)] = states

    def reset(self) -> None:
        """Forget the pass in progress (after a fault, or when the module data is dropped)."""
        self._stack.clear()
        self._seen.clear()
        self._total = 0
        self._states.clear()
        self.credit = 0
        self.foreign = None

    def step(self, roots: Callable[[], Iterable[Any]], *, whole: bool = False) -> int | None:
        """Spend the credit walking; the bytes counted if the pass went past the limit.

        :param roots: called when a pass starts: the module data to walk from.
        :param whole: start a fresh pass and walk all of it now (it still stops past the
            limit, so it costs at most what the limit holds).
        :returns: None while within the limit; otherwise the bytes counted so far (the pass
            is then forgotten: the next one starts afresh).
        """
        self.credit = min(self.credit, MAX_CREDIT)
        if whole:
            self._stack.clear()
            self.credit = sys.maxsize
        if not self._stack:
            self._start(roots)
        budget = max(self.credit, CHUNK)
        self.credit = 0
        used = self._walk(budget)
        if self._total > self.limit:
            total = self._total
            self.reset()
            return total
        if not self._stack:
            self.last_total = self._total
            self.passes += 1
            self._total = 0
            self._seen.clear()
        else:
            self.credit = max(0, budget - used)
        return None

    def _start(self, roots: Callable[[], Iterable[Any]]) -> None:
        # States are walked last (the stack's top is walked first) and strictly: anything in
        # them but plain data is reported in :attr:`foreign`.
        batches: list[Any] = []
        walked: list[Any] = []
        for held in self._states.values():
            # A batch's list is the host's, not the mod's: only the states in it count.
            if type(held) is list:
                batches.extend(held)
            else:
                walked.append(held)
        self._states.clear()
        self._seen.clear()
        self._total = 0
        if set(map(type, batches)) == {dict}:
            # The empty states (most, in a kind of cheap entities) are counted here, in C, and
            # remembered: the walk meets them again only if the mod also keeps them elsewhere.
            empty = list(filterfalse(None, batches))
            self._total = sum(map(dict.__sizeof__, empty)) + _DICT_HEADER * len(empty)
            self._seen.update(map(id, empty))
            self.visits += len(empty)
            batches = list(filter(None, batches))
        walked += batches
        self._stack.append(_cursor(walked, _SEQ, strict=True))
        self._stack.append(_cursor(list(roots()), _SEQ))

    def _walk(self, budget: int) -> int:
        """Visit up to ``budget`` objects.

        The stack holds one cursor (an iterator and where it is) per container being walked,
        never the containers' elements: a queue of a big table's 800,000 elements would be a
        list the garbage collector traverses on every full collection.
        """
        stack, seen, limit, contents = self._stack, self._seen, self.limit, self.contents
        getsize, refcount = sys.getsizeof, sys.getrefcount
        total = self._total
        used = 0
        while stack and used < budget and total <= limit:
            cursor = stack[-1]
            try:
                obj = next(cursor[0])
            except StopIteration:
                stack.pop()
                continue
            except RuntimeError:
                # The dict or set changed size since the cursor began (the script ran in
                # between): carry on from about the same place.
                cursor[0] = islice(_ITERATORS[cursor[2]](cursor[1]), cursor[3], None)
                continue
            cursor[3] += 1
            used += 1
            strict = cursor[4]
            if refcount(obj) > _HELD_ONCE:
                key = id(obj)
                if key in seen:
                    continue
                seen.add(key)
            t = type(obj)
            if t in _LEAVES:
                total += getsize(obj)
            elif t is dict:
                total += getsize(obj)
                if not obj:
                    continue
                values = obj.values()
                if (
                    len(obj) <= _FLAT_DICT
                    and _LEAF_SET.issuperset(map(type, values))
                    and _LEAF_SET.issuperset(map(type, obj))
                    and max(map(refcount, values)) <= _HELD_ONCE_MAPPED
                ):
                    # A small dict of leaves, its values each held only here (an entity's
                    # state): counted without a cursor, the same visits and bytes as one by
                    # one; its keys (often one string shared by every state) are each
                    # still counted once.
                    total += sum(map(getsize, values))
                    used += 2 * len(obj)
                    for key in obj:
                        if refcount(key) > _HELD_ONCE:
                            marker = id(key)
                            if marker in seen:
                                continue
                            seen.add(marker)
                        total += getsize(key)
                    continue
                stack.append(_cursor(obj, _VALUES, strict=strict))
                stack.append(_cursor(obj, _KEYS, strict=strict))
            elif t in _CONTAINERS:
                total += getsize(obj)
                if obj:
                    stack.append(_cursor(obj, _SEQ, strict=strict))
            elif strict:
                self.foreign = t.__name__
                break
            elif t is FunctionType:
                total += getsize(obj)
                held = [*(obj.__defaults__ or ()), *(obj.__kwdefaults__ or {}).values()]
                held += [c.cell_contents for c in obj.__closure__ or () if _filled(c)]
                # Attributes a script set on a function (f.cache = {}).
                held += obj.__dict__.values()
                stack.append(_cursor(held, _SEQ))
            elif contents is not None:
                inside = contents(obj)
                if inside is not None:
                    total += getsize(obj)
                    stack.append(_cursor(list(inside), _SEQ))
        self._total = total
        self.visits += used
        return used


def peak_bytes() -> int:
    """The peak resident size of this process, in bytes (``getrusage``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_SEQ: Final = 0
_KEYS: Final = 1
_VALUES: Final = 2
_ITERATORS: Final[tuple[Callable[[Any], Iterator[Any]], ...]] = (
    iter,
    lambda d: iter(d.keys()),
    lambda d: iter(d.values()),
)


def _cursor(container: Any, how: int, *, strict: bool = False) -> list[Any]:
    """[iterator, container, how it is iterated, elements taken so far, whether everything
    below must be plain data]."""
    return [_ITERATORS[how](container), container, how, 0, strict]


def retained_bytes(
    roots: Iterable[Any],
    limit: int,
    contents: Callable[[Any], Iterable[Any] | None] | None = None,
) -> int:
    """Bytes reachable from ``roots`` through script data, in one go; stops past ``limit``.

    The whole walk at once (tests and tools); sandboxes use :class:`RetainedWalk`.

    :param contents: see :attr:`RetainedWalk.contents`.
    """
    walk = RetainedWalk(limit)
    walk.contents = contents
    walk.credit = sys.maxsize
    listed = list(roots)
    walk._start(lambda: listed)
    walk._walk(sys.maxsize)
    return walk._total


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


#: The hint of every refusal of a script object kept where only plain data may be.
NOT_PLAIN_HINT: Final = (
    "store numbers, strings, lists, tuples and dicts in ctx.state (e.g. "
    "dataclasses.asdict(obj) or a tuple of the fields) and rebuild your objects from them"
)


def not_plain_message(foreign: str, where: str = "ctx.state") -> str:
    """The message refusing a ``foreign`` (script-class) object kept in ``where``."""
    return f"{where} holds a {foreign} object: {where} keeps plain data only"
