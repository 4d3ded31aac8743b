"""The built-in attack corpus ``modhost sandbox audit`` runs (and ``tests/security`` too).

Each :class:`Attack` is one hostile script and the diagnostic code that must stop it. The
corpus is built per *class* of attack, not per known exploit: escapes (reaching the
interpreter or the host past ``ctx``), resource exhaustion (CPU, memory, recursion, time) and
API abuse (undeclared capabilities, identity forging, floods). Sources run as an entity
script: ``on_tick(ctx, dt)`` is called once per tick for ``ticks`` ticks (or, for a script
with a system hook, ``on_system(ctx, dt, rows)`` over a batch of the probe's kind).
"""

from typing import Final

from ._corpus_abuse import API_ABUSE
from ._corpus_arith import ARITH_ATTACKS
from ._corpus_attack import Attack
from ._corpus_compile import COMPILE_BOMBS
from ._corpus_escapes import ESCAPES
from ._corpus_growth import CHAIN_ATTACKS, GROWTH_ATTACKS
from ._corpus_language import LANGUAGE_ATTACKS
from ._corpus_nesting import NESTING_ATTACKS
from ._corpus_resources import RESOURCES
from ._corpus_stdlib_hooks import STDLIB_HOOK_ATTACKS
from ._corpus_systems import SYSTEM_ATTACKS
from ._corpus_text import TEXT_ATTACKS

#: The whole built-in corpus, in report order.
ATTACKS: Final[tuple[Attack, ...]] = (
    ESCAPES
    + RESOURCES
    + TEXT_ATTACKS
    + GROWTH_ATTACKS
    + CHAIN_ATTACKS
    + COMPILE_BOMBS
    + API_ABUSE
    + LANGUAGE_ATTACKS
    + STDLIB_HOOK_ATTACKS
    + NESTING_ATTACKS
    + ARITH_ATTACKS
    + SYSTEM_ATTACKS
)
