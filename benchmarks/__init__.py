"""Speed measurements; ``make bench`` runs ``python -m benchmarks``."""
