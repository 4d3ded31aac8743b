"""Text bombs: values whose text is far larger than the values, because they share their parts
(one list held a thousand times, or forty levels of ``[x, x]``), turned into text through
every conversion a script can reach. The text is bounded before it is made, so each is
stopped by the memory limit at once, in both tiers; no tier has to wait out a C-level
``repr`` or build it in the host."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import ERROR, MEMORY, Attack, _abuse, _cls, _resource, _tick

#: A few hundred kilobytes of lists; 300 MB of text.
_SHARED = "inner = [0] * 100000\nouter = [inner] * 1000\n"
#: Forty lists; text of 2**40 copies of the innermost one.
_DOUBLED = "outer = [0] * 100\nfor i in range(40):\n    outer = [outer, outer]\n"


def _text(name: str, summary: str, conversion: str, shape: str = _SHARED) -> Attack:
    return _resource(
        f"text-{name}", summary, _tick(shape + "return len(" + conversion + ")"), MEMORY
    )


TEXT_ATTACKS: Final[tuple[Attack, ...]] = (
    _text("repr", "repr() of a list holding one big list a thousand times", "repr(outer)"),
    _text("str", "str() of a shared list", "str(outer)"),
    _text("ascii", "ascii() of a shared list", "ascii(outer)"),
    _text("fstring", "an f-string field of a shared list", "f'{outer}'"),
    _text("fstring-repr", "an f-string field with !r", "f'{outer!r}'"),
    _text("format", "format() of a shared list", "format(outer, '')"),
    _text("percent", "'%s' formatting of a shared list", "'%s' % (outer,)"),
    _text("percent-bytes", "b'%a' formatting of a shared list", "b'%a' % (outer,)"),
    _text("str-format", "str.format of a shared list", "'{0!r}'.format(outer)"),
    _text("map-str", "str applied through map()", "list(map(str, [outer]))[0]"),
    _text("type-of-str", "the str class reached through type('')", "type('')(outer)"),
    _text("doubling", "repr() of forty levels of [x, x]", "repr(outer)", _DOUBLED),
    _text(
        "dict-values",
        "repr() of a dict sharing one value",
        "repr(dict.fromkeys(range(1000), inner))",
    ),
    _text(
        "tuple-doubling",
        "str() of forty levels of (x, x)",
        "str(outer)",
        _DOUBLED.replace("[outer, outer]", "(outer, outer)"),
    ),
    _resource(
        "text-print",
        "print() of a shared list",
        _tick(_SHARED + "print(outer)"),
        MEMORY,
    ),
    _resource(
        "text-str-subclass",
        "the constructor of a script's str subclass",
        _cls("class Name(str):\n    pass", _SHARED + "return len(Name(outer))"),
        MEMORY,
    ),
    _resource(
        "text-percent-str-subclass",
        "'%s' formatting by a script's str subclass (str's own '%')",
        _cls("class Name(str):\n    pass", _SHARED + "return len(Name('%s') % (outer,))"),
        MEMORY,
    ),
    _resource(
        "percent-width-str-subclass",
        "a '%' width of 500 million by a script's str subclass",
        _cls("class Name(str):\n    pass", "return len(Name('%0500000000d') % 1)"),
        MEMORY,
    ),
    _resource(
        "percent-star-tuple-subclass",
        "'%*s' with its width in a tuple subclass (a check that took it for one value)",
        _cls("class T(tuple):\n    pass", "return len('%*s' % T((500000000, 'x')))"),
        MEMORY,
    ),
    _resource(
        "text-str-subclass-new",
        "a str subclass's own __new__ reaching str through super()",
        _cls(
            "class Name(str):\n    def __new__(cls, v):\n        return super().__new__(cls, v)",
            _SHARED + "return len(Name(outer))",
        ),
        MEMORY,
    ),
    _resource(
        "text-own-repr",
        "a script __repr__ returning one big text, repr()'d a thousand times in a list",
        _cls(
            "class A:\n    def __init__(self):\n        self.s = 'x' * 1000000\n"
            "    def __repr__(self):\n        return self.s",
            "return len(repr([A()] * 1000))",
        ),
        MEMORY,
    ),
    _resource(
        "text-dataclass",
        "the generated repr of a dataclass holding a shared list",
        _cls(
            "from dataclasses import dataclass\n@dataclass\nclass P:\n    v: list",
            _SHARED + "return len(repr([P(outer)] * 10))",
        ),
        MEMORY,
    ),
    _resource(
        "text-exception",
        "str() of an exception whose argument is a shared list",
        _tick(_SHARED + "return len(str(ValueError(outer)))"),
        MEMORY,
    ),
    _abuse(
        "log-shared",
        "ctx.log of a shared list (the host would make its text to cut it)",
        _tick(_SHARED + "ctx.log(outer)"),
        ERROR,
    ),
)
