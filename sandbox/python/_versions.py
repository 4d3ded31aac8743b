"""Type-versioned runs of straight-line code in functions (part of pass 2, see ``_compiler``).

A guarded operator tests its operands' types each time it runs (``_arith``). In number code
the same few locals feed many operators: ``dx * dx + dy * dy + dz * dz`` tests a float five
times. This pass finds, in a run of simple statements, the point where such locals are all
assigned, tests each of them once there, and runs a copy of the rest of the run in which the
operators those tests prove safe are plain Python (``_kinds``)::

    if _type_(dx) is _float_ and _type_(i) is _int_:
        <copy of the rest of the run: proven operators unguarded, int products bounds-tested>
    else:
        <the rest of the run as it was: every operator guarded>

Module constants (``MASK = 0xFFFFFFFF``, never rebound; ``_hints``) are known everywhere
without a test. Which kind a name is tested for comes from hints (``_hints``); a wrong hint
costs a failed test, never a wrong result.

Why the copy is safe:

- A tested name is a local of the function, never rebound from elsewhere (``_hints``), and a
  run holds no ``yield``: between the test and the end of the run only the run's own
  statements can rebind it.
- It is definitely assigned where it is tested (a parameter, a target of an enclosing ``for``,
  or bound by an earlier simple statement of an enclosing block), so the test never raises
  where the original code would have run on.
- Inside the copy, what is known is updated statement by statement, in order: an assignment
  sets its name's kind from its value's kind, or forgets it; a ``:=`` anywhere in a statement
  forgets its name before the statement is looked at. Comprehensions and lambdas are not
  looked into (their names are their own).

Both copies burn the same fuel and raise at the same lines; only the tests' cost differs.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Final

from ._chains import FLAG as CHAIN_FLAG
from ._hints import FunctionFacts
from ._kinds import (
    COMPLEX,
    FLAG,
    INEXACT,
    INT,
    INT_FIRST,
    NUMBER,
    SIMPLE,
    Kinds,
    bound_anywhere,
    count_everywhere,
    count_guards,
    forget_facts,
    learn,
    names,
    own_nodes,
    statement_facts,
    subtree_size,
)
from ._loop_kinds import loop_kinds

#: Bounds of the work: the statements of a run looked at, the names one test checks (the
#: chain flag besides).
MAX_RUN: Final = 32
MAX_TESTS: Final = 8
MAX_CANDIDATES: Final = 12
#: The largest loop (syntax-tree nodes) copied whole for a test before it.
MAX_LOOP_NODES: Final = 3000
#: Syntax-tree nodes the search may look at in one script (see :class:`SearchBudget`).
MAX_SEARCH_NODES: Final = 150_000


@dataclass
class SearchBudget:
    """Syntax-tree nodes the search may still look at, for one script: its runs' sizes times
    the trials made on them. Compile time stays linear in the script's size; past the budget,
    the rest of the script is left as it is."""

    nodes: int = MAX_SEARCH_NODES

    def spend(self, nodes: int) -> bool:
        if nodes > self.nodes:
            self.nodes = 0
            return False
        self.nodes -= nodes
        return True


def version_function(
    fn: ast.FunctionDef,
    constants: Kinds,
    budget: SearchBudget,
    counting: bool = False,
    flag: bool = True,
) -> None:
    """Version the runs of ``fn``'s own blocks in place (nested functions are left to their
    own visit); ``constants`` are the module constants (``_hints.module_constants``).
    ``flag``: the chain flag may be true when the function runs, so a test may check it."""
    defined = {a.arg for a in _arguments(fn.args)}
    # A docstring stays the body's first statement (it is the function's __doc__).
    docstring = fn.body[:1] if ast.get_docstring(fn, clean=False) is not None else []
    body = fn.body[len(docstring) :]
    facts = FunctionFacts(fn)
    if facts.int_code:
        _test_ints_first(fn)
    _Blocks(facts, constants, budget, counting, flag).block(body, defined)
    fn.body = [*docstring, *body]
    forget_facts(fn)


class _Blocks:
    """Walks a function's blocks, tracking the names definitely assigned at each statement."""

    def __init__(
        self,
        facts: FunctionFacts,
        constants: Kinds,
        budget: SearchBudget,
        counting: bool,
        flag: bool,
    ) -> None:
        self._facts = facts
        self._flag = flag
        #: What is known without a test where the walk is: the module constants, and inside
        #: a versioned loop's copy, the names its test checked.
        self._base = constants
        self._budget = budget
        #: True inside a versioned loop (either copy): loops in it are not versioned again,
        #: so a function's code at most doubles for its loops.
        self._in_loop_copy = False
        #: The script never rebinds ``range``: a ``for`` over ``range(...)`` binds ints.
        self._counting = counting

    def block(self, stmts: list[ast.stmt], defined: set[str]) -> None:
        defined = set(defined)
        out: list[ast.stmt] = []
        run: list[ast.stmt] = []
        at_run = set(defined)
        #: What is known at the current statement: what is known everywhere here, and what
        #: the statements before it in this block proved.
        known = dict(self._base)
        start = known
        for index, stmt in enumerate(stmts):
            if isinstance(stmt, SIMPLE):
                if not run:
                    at_run, start = set(defined), known
                run.append(stmt)
                defined.update(statement_facts(stmt).bound)
                continue
            if run:
                out.extend(self._versioned(run, at_run, start))
                known = self._learned(run, start)
                run = []
            if not self._budget.spend(4 * subtree_size(stmt)):
                # Past the search's budget (every enclosing block pays for what it holds):
                # the rest is left as it is, every operator guarded.
                out.extend(stmts[index:])
                break
            if isinstance(stmt, ast.For | ast.While):
                loop, known = self._versioned_loop(stmt, defined, known)
                out.append(loop)
                continue
            self._inside(stmt, defined, known)
            out.append(stmt)
            bound = bound_anywhere(stmt)
            known = {n: k for n, k in known.items() if n not in bound}
            if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
                defined.add(stmt.name)
        if run:
            out.extend(self._versioned(run, at_run, start))
        stmts[:] = out

    def _inside(self, stmt: ast.stmt, defined: set[str], known: Kinds) -> None:
        """Version what is inside a compound statement: its test (``known`` holds there),
        then its blocks."""
        if isinstance(stmt, ast.If):
            stmt.test = self._versioned_test(stmt.test, defined, known)
        self._compound(stmt, defined)

    def _learned(self, run: list[ast.stmt], start: Kinds) -> Kinds:
        """What is known right after ``run``, ``start`` known before it."""
        known = dict(start)
        for stmt in run:
            for name in statement_facts(stmt).killed:
                known.pop(name, None)
            learn(stmt, known, self._facts.excluded)
        return known

    def _versioned_loop(
        self, loop: ast.For | ast.While, defined: set[str], entry: Kinds
    ) -> tuple[ast.stmt, Kinds]:
        """A loop with its operators marked with what holds in every iteration
        (:func:`loop_kinds`, ``entry`` known before it), or ``if tests: <loop copy> else:
        <loop>`` when testing names before it proves more: tested once per entry instead of
        once per iteration. Also what is known after it: the kinds that held before it and
        in every iteration (less what its ``else:`` binds)."""
        inside = loop_kinds(loop, entry, self._counting, self._facts.excluded)
        orelse = set().union(*(bound_anywhere(s) for s in loop.orelse))
        after = {n: k for n, k in inside.items() if entry.get(n) == k and n not in orelse}
        tests: Kinds = {}
        if not self._in_loop_copy:
            tests = self._loop_tests(loop, defined, entry, inside)
        count_everywhere(_loop_parts(loop), inside, mark=True)
        if not tests:
            self._inside_loop(loop, defined, inside)
            return loop, after
        fast = copy.deepcopy(loop)
        seeded = {**entry, **_known(tests)}
        fast_inside = loop_kinds(fast, seeded, self._counting, self._facts.excluded)
        count_everywhere(_loop_parts(fast), fast_inside, mark=True)
        self._in_loop_copy = True
        try:
            self._inside_loop(fast, defined, fast_inside)
            self._inside_loop(loop, defined, inside)
        finally:
            self._in_loop_copy = False
        return ast.copy_location(ast.If(_all_of(tests), [fast], [loop]), loop), after

    def _loop_tests(
        self, loop: ast.For | ast.While, defined: set[str], entry: Kinds, inside: Kinds
    ) -> Kinds:
        """The tests before ``loop`` that remove at least one guard from it, or none."""
        size = sum(1 for _ in own_nodes(loop))
        if size > MAX_LOOP_NODES:
            return {}
        tests: Kinds = {}
        for name in statement_facts(loop).operands:
            kind = self._facts.test_kind(name)
            if name in defined and name not in entry and kind is not None:
                tests[name] = kind
        tests = dict(list(tests.items())[:MAX_CANDIDATES])
        if self._flag and FLAG not in entry and not _has_yield(loop):
            tests[FLAG] = FLAG
        if not tests or not self._budget.spend(size * (len(tests) + 2)):
            return {}
        parts = _loop_parts(loop)

        def cost(trial: Kinds) -> float:
            known = loop_kinds(
                loop, {**entry, **_known(trial)}, self._counting, self._facts.excluded
            )
            return count_everywhere(parts, known)

        everything = cost(tests)
        for name in sorted(tests, key=lambda n: self._facts.evidence(n)[1]):
            trial = {n: k for n, k in tests.items() if n != name}
            if cost(trial) == everything:
                tests = trial
        if not tests or _type_tests(tests) > MAX_TESTS:
            return {}
        return tests if count_everywhere(parts, inside) - everything >= 1 else {}

    def _inside_loop(self, loop: ast.For | ast.While, defined: set[str], inside: Kinds) -> None:
        """Version a loop's body (and a ``while`` test) knowing ``inside``; its ``else:`` runs
        after the loop, where only the outer knowledge holds."""
        outer = self._base
        self._base = inside
        try:
            if isinstance(loop, ast.While):
                loop.test = self._versioned_test(loop.test, defined, inside)
                self.block(loop.body, defined)
            else:
                self.block(loop.body, defined | {n.id for n in names(loop.target)})
        finally:
            self._base = outer
        self.block(loop.orelse, defined)

    def _compound(self, stmt: ast.stmt, defined: set[str]) -> None:
        if isinstance(stmt, ast.For):
            self.block(stmt.body, defined | {n.id for n in names(stmt.target)})
            self.block(stmt.orelse, defined)
        elif isinstance(stmt, ast.While | ast.If):
            self.block(stmt.body, defined)
            self.block(stmt.orelse, defined)
        elif isinstance(stmt, ast.Try):
            for part in (stmt.body, stmt.orelse, stmt.finalbody):
                self.block(part, defined)
            for handler in stmt.handlers:
                self.block(handler.body, defined)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                self.block(case.body, defined)

    def _versioned(self, run: list[ast.stmt], defined: set[str], start: Kinds) -> list[ast.stmt]:
        """``run``, its operators marked with what is known (``start`` at its start), and its
        best tail replaced by a versioned ``if`` when tests there save more than they cost."""
        if not run or len(run) > MAX_RUN or any(_has_yield(s) for s in run):
            return run
        sizes = [sum(1 for _ in own_nodes(s)) for s in run]
        best: tuple[float, int, Kinds, Kinds] | None = None
        assigned = set(defined)
        known = start
        for at in range(len(run)):
            plan = self._plan(run[at:], assigned, sum(sizes[at:]), known)
            if plan is not None and (best is None or plan[0] > best[0]):
                best = (plan[0], at, plan[1], known)
            assigned.update(statement_facts(run[at]).bound)
            known = self._learned([run[at]], known)
        if start:
            count_guards(run, start, self._facts.excluded, mark=True)
        if best is None:
            return run
        _, at, tests, known = best
        fast = self._fast_copy(run[at:], tests, known)
        branch = ast.If(_all_of(tests), fast, run[at:])
        return [*run[:at], ast.copy_location(branch, run[at])]

    def _versioned_test(self, test: ast.expr, defined: set[str], known: Kinds) -> ast.expr:
        """An ``if``/``while`` test, versioned on its own (``fast if tests else test``);
        ``known`` holds where it runs."""
        probe: list[ast.stmt] = [ast.Expr(test)]
        if _has_yield(probe[0]):
            return test
        plan = self._plan(probe, defined, sum(1 for _ in own_nodes(test)), known)
        if known:
            count_guards(probe, known, self._facts.excluded, mark=True)
        if plan is None:
            return test
        fast = self._fast_copy([ast.Expr(test)], plan[1], known)[0]
        assert isinstance(fast, ast.Expr)
        return ast.copy_location(ast.IfExp(_all_of(plan[1]), fast.value, test), test)

    def _plan(
        self, tail: list[ast.stmt], defined: set[str], size: int, base: Kinds
    ) -> tuple[float, Kinds] | None:
        """The tests worth writing before ``tail`` (``base`` known there) and their score,
        or None."""
        tests = self._candidates(tail, defined, base)
        if not tests or not self._budget.spend(size * (len(tests) + 2)):
            return None
        tests = _needed(tail, base, tests, self._facts)
        untracked = self._facts.excluded
        saved = count_guards(tail, base, untracked) - count_guards(
            tail, {**base, **_known(tests)}, untracked
        )
        if not tests or saved < max(1, len(tests)):
            return None
        return saved - len(tests) / 2, tests

    def _fast_copy(self, stmts: list[ast.stmt], tests: Kinds, base: Kinds) -> list[ast.stmt]:
        fast = copy.deepcopy(stmts)
        count_guards(fast, {**base, **_known(tests)}, self._facts.excluded, mark=True)
        return fast

    def _candidates(self, run: list[ast.stmt], defined: set[str], base: Kinds) -> Kinds:
        """Names read as arithmetic operands before the run assigns them, definitely assigned
        at its start, with the kind each would be tested for (in order)."""
        found: Kinds = {}
        assigned: set[str] = set()
        for stmt in run:
            facts = statement_facts(stmt)
            assigned.update(facts.walrus)
            for name in facts.operands:
                if name in found or name in assigned or name not in defined:
                    continue
                kind = self._facts.test_kind(name)
                if kind is not None and name not in base:
                    found[name] = kind
            assigned.update(facts.bound)
        found = dict(list(found.items())[:MAX_CANDIDATES])
        if self._flag and FLAG not in base:
            found[FLAG] = FLAG  # a run holds no yield: nothing changes the flag inside it
        return found


def _needed(run: list[ast.stmt], base: Kinds, tests: Kinds, facts: FunctionFacts) -> Kinds:
    """The tests that remove at least part of a guard, at most :data:`MAX_TESTS` of them
    (the names with the weakest evidence are dropped first)."""
    everything = count_guards(run, {**base, **_known(tests)}, facts.excluded)
    kept = dict(tests)
    for name in sorted(tests, key=lambda n: facts.evidence(n)[1]):
        trial = {n: k for n, k in kept.items() if n != name}
        if count_guards(run, {**base, **_known(trial)}, facts.excluded) == everything:
            kept = trial
    return kept if _type_tests(kept) <= MAX_TESTS else {}


def _type_tests(tests: Kinds) -> int:
    """How many of ``tests`` ask for a type (the flag's is one global read, not counted)."""
    return len(tests) - (FLAG in tests)


def _known(tests: Kinds) -> Kinds:
    """What passing ``tests`` proves (a complex number is ``INEXACT``, as a float is)."""
    return {name: INEXACT if kind == COMPLEX else kind for name, kind in tests.items()}


def _test_ints_first(fn: ast.FunctionDef) -> None:
    """Mark the ``+`` and ``%`` of ``fn`` (its lambdas and comprehensions too, not its nested
    functions) to test for an int first."""
    stack: list[ast.AST] = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Add | ast.Mod):
            setattr(node, INT_FIRST, True)
        if not isinstance(node, ast.FunctionDef | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def _loop_parts(loop: ast.For | ast.While) -> list[ast.AST]:
    """What runs inside a loop on every iteration: its body, and a ``while`` loop's test."""
    return [loop.test, *loop.body] if isinstance(loop, ast.While) else list(loop.body)


def _all_of(tests: Kinds) -> ast.expr:
    checks = [_is_kind(name, kind) for name, kind in tests.items()]
    return ast.BoolOp(ast.And(), checks) if len(checks) > 1 else checks[0]


def _is_kind(name: str, kind: str) -> ast.expr:
    """``_type_(name) is _int_`` (``_complex_``, ``in _NUM_``, or for ``INEXACT`` a float or
    else a complex number): exact types, so no subclass passes. The flag is tested as itself
    (``_CHAIN_``)."""
    if name == FLAG:
        return ast.Name(CHAIN_FLAG, ast.Load())

    def is_type(expected: str, op: ast.cmpop | None = None) -> ast.expr:
        call = ast.Call(ast.Name("_type_", ast.Load()), [ast.Name(name, ast.Load())], [])
        return ast.Compare(call, [op or ast.Is()], [ast.Name(expected, ast.Load())])

    if kind == NUMBER:
        return is_type("_NUM_", ast.In())
    if kind == INEXACT:
        # Floats pay one check; complex code (a hint cannot tell it from float code) passes.
        return ast.BoolOp(ast.Or(), [is_type("_float_"), is_type("_complex_")])
    return is_type({INT: "_int_", COMPLEX: "_complex_"}[kind])


def _has_yield(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom | ast.Await) for n in own_nodes(stmt))


def _arguments(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]
