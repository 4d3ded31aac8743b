"""sandbox.python: the Python tier (RestrictedPython).

The compiler and its source caps, the guards, the restricted builtins and standard library,
classes, the retained-memory walk and fuel; run in-process, or in warm worker processes
(the process tier: pool and worker); and :func:`create_sandbox`, which picks between them.

May import: sandbox.base, host_api, RestrictedPython.
"""

__all__ = [
    "MAX_SOURCE_BYTES",
    "ProcessSandbox",
    "RestrictedSandbox",
    "ScriptCheck",
    "ScriptProblem",
    "check_script",
    "create_sandbox",
]

from ._compiler import ScriptCheck as ScriptCheck
from ._compiler import ScriptProblem as ScriptProblem
from ._compiler import check_script as check_script
from ._factory import create_sandbox as create_sandbox
from ._process import ProcessSandbox as ProcessSandbox
from ._restricted import RestrictedSandbox as RestrictedSandbox
from ._source_limits import MAX_SOURCE_BYTES as MAX_SOURCE_BYTES
