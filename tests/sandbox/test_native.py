"""The sandbox's C parts (``sandbox/python/_native.py``): optional for an install, required
where ``MODHOST_REQUIRE_NATIVE`` is set (CI), so a broken build cannot pass as a skip."""

from __future__ import annotations

import os

import pytest

from sandbox.python import _fuel, _native


@pytest.mark.skipif(
    not os.environ.get("MODHOST_REQUIRE_NATIVE"), reason="MODHOST_REQUIRE_NATIVE is not set"
)
def test_the_c_parts_are_built_where_they_are_required() -> None:
    assert _native.Stream is not None, "sandbox/python/_fuel_stream.c was not built"
    assert _native.Ops is not None, "sandbox/python/_fast_ops.c was not built"


def test_new_sandboxes_use_what_is_built() -> None:
    assert (_native.Stream is not None) == _fuel.NATIVE
    assert (_native.Ops is not None) == _native.FAST_OPS
    meter = _fuel.Meter(fuel=10, timeout_ms=100)
    assert (type(meter.stream) is _native.Stream) == _fuel.NATIVE
