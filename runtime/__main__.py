"""``python -m runtime`` runs the ``modhost`` command line (for tools that start the host)."""

from runtime import main

main()
