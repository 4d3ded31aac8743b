"""The linker one component instance is linked against: the host interface, through the raw
callbacks of ``_wasm_callbacks`` or wasmtime's ``add_func``, and WASI when granted.
"""

from __future__ import annotations

from wasmtime import Engine
from wasmtime.component import Linker

from host_api import WIT_HOST_INTERFACE

from ._wasm_callbacks import add_fast_functions
from ._wasm_host import RAW_ONLY_RESULTS, HostBindings


def build_linker(
    engine: Engine, bindings: HostBindings, *, wasi: bool, fast: bool
) -> tuple[Linker, object]:
    """A linker defining the host interface for one mod instance (and WASI if granted).

    Never ``define_unknown_imports_as_traps``: a component importing anything else fails to
    instantiate (and is reported by name before that, see ``check_imports``).

    :param fast: register raw C callbacks (``_wasm_callbacks``) instead of ``add_func``.
    :returns: the linker, and an object that must live as long as it (the raw handlers).
    """
    linker = Linker(engine)
    keep: object = None
    with linker.root() as root, root.add_instance(WIT_HOST_INTERFACE) as host:
        if fast:
            keep = add_fast_functions(host, bindings)
        else:
            for name, fn in bindings.functions().items():
                if name not in RAW_ONLY_RESULTS:
                    host.add_func(name, fn)
            keep = add_fast_functions(host, bindings, only=RAW_ONLY_RESULTS)
    if wasi:
        linker.add_wasip2()
    return linker, keep
