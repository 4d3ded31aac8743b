"""Caps on untrusted script source, checked before Python's parser sees it.

The parser, the compiler and the RestrictedPython transformer all recurse over the syntax
tree: one expression of 100,000 nested operators makes the C parser fail with ``MemoryError``
and the Python-level passes with ``RecursionError``, and a megabyte of source takes seconds
and hundreds of megabytes to compile. So, before any of them runs, :func:`source_problem`
checks (cheapest first):

- the size of the source (:data:`MAX_SOURCE_BYTES`), which bounds the time and memory of
  every later step;
- the length of each physical line (:data:`MAX_LINE_CHARS`), so no diagnostic ever quotes a
  megabyte;
- the number of tokens (:data:`MAX_TOKENS`, an f-string's fields counted three each: on Python
  3.11 a whole f-string is one token), which bounds the work of the Python-level passes with
  the compiled-size cap (``_expansion``);
- the nesting depth (:data:`MAX_NESTING`), measured by a flat scan of the tokens that itself
  never recurses: open brackets, indentation and an upper bound of the operators, trailers
  (``.name``, calls, subscripts) and keywords (``lambda``, ``not``, ``if``/``else`` ...) that
  nest inside one bracket level. The bound overcounts (``a + b + c`` counts 2) and never
  undercounts the tree depth, so a script that passes can always be compiled by the host.

A script over a cap is refused with ``SANDBOX_COMPILE_LIMIT``, the line and a hint. Whatever
slips past (the parser's own limits, ``MemoryError``) is caught by ``check_script`` too.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from typing import Final

#: The largest script source, in UTF-8 bytes (compiling it takes about a second).
MAX_SOURCE_BYTES: Final = 256 * 1024
#: The longest physical line of a script, in characters.
MAX_LINE_CHARS: Final = 16 * 1024
#: The deepest nesting of blocks, brackets and operators in a script (the host compiles far
#: deeper; the margin keeps the compiler's own recursion well away from its limits).
MAX_NESTING: Final = 100
#: The most tokens a script may have: the sandbox's passes over the syntax tree run in Python
#: at a few microseconds per node, so this, not the byte size, bounds the compile time, with
#: the cap on the compiled size (``_expansion``: guarded arithmetic expands the most).
MAX_TOKENS: Final = 32_768

#: Tokens that end an operand run at their bracket level without nesting anything.
_RESETS: Final = frozenset(
    {",", ";", "=", "->", "+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=", ">>=",
     "<<=", "**="}
)  # fmt: skip
#: Operator tokens that neither nest nor reset (brackets are handled apart).
_NEUTRAL: Final = frozenset({":", "(", ")", "[", "]", "{", "}"})
#: Keywords that nest the expression after them (or around them).
_NESTING_WORDS: Final = frozenset(
    {"lambda", "not", "if", "else", "await", "yield", "and", "or", "in", "is"}
)
_OPENERS: Final = frozenset({"(", "[", "{"})
_CLOSERS: Final = frozenset({")", "]", "}"})
#: Token types after which an opening bracket is a trailer (a call or a subscript).
_OPERANDS: Final = frozenset({tokenize.NAME, tokenize.NUMBER, tokenize.STRING})
#: Characters inside an f-string's replacement fields that may nest an expression.
_FIELD_NESTING: Final = frozenset("+-*/%@&|^~<>.([{!")


@dataclass(frozen=True)
class SourceProblem:
    """Why a source is refused before parsing: a 1-based line (when known) and a message."""

    line: int | None
    message: str


def source_problem(source: str) -> SourceProblem | None:
    """The first cap ``source`` breaks, or None. Costs one pass over the text.

    :param source: the script text, as read (already size-checked on disk by the loader).
    """
    if len(source) > MAX_SOURCE_BYTES or len(source.encode("utf-8", "replace")) > (
        MAX_SOURCE_BYTES
    ):
        return SourceProblem(
            None, f"the script is larger than {MAX_SOURCE_BYTES // 1024} KiB of source"
        )
    line = _long_line(source)
    if line is not None:
        return SourceProblem(line, f"a line is longer than {MAX_LINE_CHARS} characters")
    return _token_problem(source)


def _long_line(source: str) -> int | None:
    start = 0
    number = 1
    while True:
        end = source.find("\n", start)
        stop = len(source) if end < 0 else end
        if stop - start > MAX_LINE_CHARS:
            return number
        if end < 0:
            return None
        start, number = end + 1, number + 1


def _token_problem(source: str) -> SourceProblem | None:
    """The first point where the tokens pass :data:`MAX_TOKENS` or the nesting bound passes
    :data:`MAX_NESTING`."""
    # One counter per open level: brackets, and a lambda's parameter list (its defaults can
    # nest further lambdas between commas). depth = open levels + operators counted in them.
    levels: list[str] = []
    counts = [0]
    indent = count = 0
    previous: tokenize.TokenInfo | None = None
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    try:
        for token in tokens:
            kind, text = token.type, token.string
            if kind not in (tokenize.NL, tokenize.COMMENT):
                count += 1
                if count > MAX_TOKENS:
                    return SourceProblem(
                        token.start[0], f"the script has more than {MAX_TOKENS} tokens"
                    )
            if kind == tokenize.INDENT:
                indent += 1
            elif kind == tokenize.DEDENT:
                indent = max(0, indent - 1)
            elif kind == tokenize.NEWLINE:
                levels.clear()
                counts = [0]
            elif kind == tokenize.OP:
                _operator(text, previous, levels, counts)
            elif kind == tokenize.NAME and text in _NESTING_WORDS:
                counts[-1] += 1
                if text == "lambda":
                    levels.append("lambda")
                    counts.append(0)
            elif kind == tokenize.STRING:
                nesting, fields = _fstring_fields(text)
                counts[-1] += nesting
                # Each field is at least three tokens once parsed ('{', a name, '}').
                count += 3 * fields
                if count > MAX_TOKENS:
                    return SourceProblem(
                        token.start[0], f"the script has more than {MAX_TOKENS} tokens"
                    )
            if kind not in (tokenize.NL, tokenize.COMMENT):
                previous = token
            depth = indent + len(levels) + sum(counts)
            if depth > MAX_NESTING:
                return SourceProblem(
                    token.start[0],
                    f"the script nests blocks, brackets and operators more than {MAX_NESTING} deep",
                )
    except (tokenize.TokenError, SyntaxError):
        return None  # malformed: the parser reports it, with its own message
    return None


def _operator(
    text: str, previous: tokenize.TokenInfo | None, levels: list[str], counts: list[int]
) -> None:
    if text in _OPENERS:
        if previous is not None and (previous.type in _OPERANDS or previous.string in _CLOSERS):
            counts[-1] += 1  # a trailer: f(...)(...) and a[...][...] nest
        levels.append(text)
        counts.append(0)
    elif text in _CLOSERS:
        while levels and levels[-1] == "lambda":
            levels.pop()
            counts.pop()
        if levels:
            levels.pop()
            counts.pop()
    elif text == ":" and levels and levels[-1] == "lambda":
        levels.pop()
        counts.pop()
    elif text in _RESETS:
        counts[-1] = 0
    elif text not in _NEUTRAL:
        counts[-1] += 1


def _fstring_fields(text: str) -> tuple[int, int]:
    """An upper bound of the nesting inside an f-string token's replacement fields, and how
    many fields it has (nested ones included).

    On Python 3.11 an f-string is one STRING token whose fields the parser parses on its
    own; later versions tokenize the fields, and then this adds nothing.
    """
    prefix = text[: len(text) - len(text.lstrip("rRbBuUfF"))]
    if "f" not in prefix.lower():
        return 0, 0
    deepest = field = depth = fields = 0
    body = text[len(prefix) :]
    i = 0
    while i < len(body):
        char = body[i]
        if char == "{":
            if depth == 0 and body.startswith("{{", i):
                i += 2
                continue
            field = 0 if depth == 0 else field
            depth += 1
            field += 1
            fields += 1
        elif char == "}" and depth:
            depth -= 1
        elif depth and char in _FIELD_NESTING:
            field += 1
        deepest = max(deepest, field)
        i += 1
    return deepest, fields
