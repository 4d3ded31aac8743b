"""``str.format`` and ``str.format_map`` for scripts, without the attribute walk.

A format string can walk attributes of its arguments (``'{0.__class__}'``), which the
compiler cannot see. Scripts get a checked version: every ``.name`` a field walks must be a
public attribute name the compiler would accept, widths and precisions are bounded like
f-string specs (:meth:`Guards.fmt`), and the result's size is checked before it is built.
"""

from __future__ import annotations

import _string
import string
from collections.abc import Mapping, Sequence
from itertools import compress
from typing import Any, Final

from ._guards import Guards
from ._names import forbidden_attribute
from ._signals import ForbiddenSignal


class _CheckedFormatter(string.Formatter):
    def __init__(self, guards: Guards) -> None:
        self._guards = guards

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        _, rest = _string.formatter_field_name_split(field_name)
        for is_attribute, key in rest:
            if not is_attribute:
                continue
            why = forbidden_attribute(key)
            if why is None and key.startswith("_"):
                why = f'"{key}": format fields may read public attributes only'
            if why is not None:
                raise self._guards.meter.trip(ForbiddenSignal(f"str.format(): {why}"))
        return super().get_field(field_name, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        next(self._guards.meter.stream)
        return self._guards.fmt(value, format_spec, -1)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        how = _CONVERSIONS.get(conversion) if conversion is not None else None
        if how is None:
            return super().convert_field(value, conversion)
        return self._guards.text.convert(value, how, f"{how.__name__}()")


#: ``{x!r}``, ``{x!s}``, ``{x!a}``.
_CONVERSIONS: Final = {"r": repr, "s": str, "a": ascii}


class StrFormat:
    """The script's view of ``str.format``/``format_map`` (``_strfmt_`` in compiled code)."""

    def __init__(self, guards: Guards) -> None:
        self._guards = guards
        self._formatter = _CheckedFormatter(guards)
        #: The scripts' ``str`` (a stand-in whose constructor checks sizes).
        self._str: Any = str

    def __call__(self, obj: Any, name: str) -> Any:
        """``obj.format`` or ``obj.format_map``: bound to a string, or unbound on ``str``."""
        if obj is str or obj is self._str:
            return (
                (lambda s, *a, **k: self.format(s, a, k)) if name == "format" else self.format_map
            )
        if type(obj) is not str:
            raise self._guards.meter.trip(
                ForbiddenSignal(f'"{name}" is available on str only; use an f-string')
            )
        if name == "format":
            return lambda *a, **k: self.format(obj, a, k)
        return lambda mapping: self.format_map(obj, mapping)

    def format(self, template: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        """``template.format(*args, **kwargs)``, checked."""
        if type(template) is not str:
            raise TypeError("format() needs a str")
        self._charge(template, [*args, *kwargs.values()])
        return self._formatter.vformat(template, args, kwargs)

    def format_map(self, template: Any, mapping: Any) -> str:
        """``template.format_map(mapping)``, checked."""
        if type(template) is not str:
            raise TypeError("format_map() needs a str")
        if type(mapping) is not dict:
            # A script's mapping could answer each field with a huge value, unmeasured.
            raise TypeError("format_map() takes a dict in scripts")
        values = list(mapping.values())
        self._charge(template, values)
        return self._formatter.vformat(template, (), mapping)

    def _charge(self, template: str, values: list[Any]) -> None:
        fields = template.count("{")
        # Each field is parsed (string.Formatter, in Python) and each value's text bounded in
        # host code: a unit each, the values' as they are bounded and the fields' as they are
        # formatted (format_field), so the deadline is checked between them.
        paid = compress(values, self._guards.meter.stream)
        biggest = max((self._guards.text.bound(v, "str.format") for v in paid), default=0)
        self._guards._check(len(template) + fields * (biggest + 32), "str.format")
