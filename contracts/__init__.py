"""Frozen public contracts: snapshots of what tools and mods outside the code rely on.

``python -m contracts check`` compares the code with the committed snapshot under
``contracts/snapshot/`` and names each change, breaking or additive. ``python -m contracts
update`` (``make api-snapshot``) rewrites the snapshot; it refuses a breaking change unless
``CHANGELOG.md`` records it as an accepted break. Not part of the installed distribution: it
reads the five packages from the repository, like ``benchmarks/``.

What is frozen: the public Python API (each package's ``__all__`` with signatures), the WIT
world (``wit/mod.wit``), the JSON Schemas of ``mod.toml``, ``modhost.toml`` and the ``run`` /
``check`` JSON reports, and the diagnostic codes.
"""
