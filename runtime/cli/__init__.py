"""runtime.cli: the ``modhost`` command line (Typer), one module per command group.

May import: every other runtime subpackage, every other modhost package, rich, typer.
"""

__all__ = [
    "main",
]

from ._cli import main as main
