"""marketplace: packaging, signing and trust, the submission store and its state machine,
validation gates, and install.

May import: host_api, sandbox, resolver, the standard library, cryptography (only in
``_signing.py``), sqlite3, psycopg. Never ``runtime``: the smoke run starts the host as a
separate process.
"""

__all__: list[str] = []
