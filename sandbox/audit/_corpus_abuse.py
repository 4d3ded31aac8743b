"""API abuse: scripts that call the host API past what they hold or what its caps allow
(undeclared capabilities, forged identities, oversized payloads, floods)."""

from __future__ import annotations

from typing import Final

from ._corpus_attack import DENIED, ERROR, PAYLOAD, THROTTLED, Attack, _abuse, _tick

API_ABUSE: Final[tuple[Attack, ...]] = (
    _abuse(
        "undeclared-spawn",
        "spawning without world.spawn",
        _tick("ctx.world.spawn('coin')"),
        DENIED,
        capabilities=frozenset({"world.read", "log"}),
    ),
    _abuse(
        "undeclared-write",
        "moving an entity without world.write",
        _tick("ctx.entity.position = (1.0, 2.0, 3.0)"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _abuse(
        "undeclared-emit",
        "emitting without events.emit",
        _tick("ctx.events.emit('boom', {})"),
        DENIED,
        capabilities=frozenset({"world.read"}),
    ),
    _abuse(
        "undeclared-fs",
        "reading a file without fs.read",
        _tick("return ctx.fs.read('mod.toml')"),
        DENIED,
        capabilities=frozenset({"log"}),
    ),
    _abuse(
        "fs-escape",
        "reading outside the mod folder",
        _tick("return ctx.fs.read('../../../../etc/passwd')"),
        DENIED,
    ),
    _abuse(
        "undeclared-storage",
        "storage without the storage capability",
        _tick("ctx.storage.set('k', 1)"),
        DENIED,
        capabilities=frozenset({"log"}),
    ),
    _abuse(
        "forge-source",
        "emitting as another mod (source=...)",
        _tick("ctx.events.emit('x', None, source='other-mod')"),
        ERROR,
    ),
    _abuse(
        "forge-log-identity",
        "logging as another mod",
        _tick("ctx.log('hello', mod='other-mod')"),
        ERROR,
    ),
    _abuse("bad-entity-id", "a negative / forged entity id", _tick("ctx.world.despawn(-1)"), ERROR),
    _abuse(
        "payload-size",
        "an event payload over the size limit",
        _tick("ctx.events.emit('big', 'a' * 1000000)"),
        PAYLOAD,
    ),
    _abuse(
        "many-tags",
        "one entity with 1000 tags",
        _tick("ctx.world.spawn('x', tags=['t'] * 1000)"),
        PAYLOAD,
    ),
    _abuse(
        "payload-depth",
        "an event payload nested 1000 deep",
        _tick("p = []\nfor i in range(1000):\n    p = [p]\nctx.events.emit('deep', p)"),
        # The process tier refuses to carry so deep a value back to the host at all.
        (PAYLOAD, ERROR),
    ),
    _abuse(
        "event-flood",
        "thousands of events per tick",
        _tick("for i in range(300):\n    ctx.events.emit('spam', i)"),
        THROTTLED,
    ),
    _abuse(
        "log-flood",
        "thousands of log lines per tick",
        _tick("for i in range(100):\n    ctx.log('spam')"),
        THROTTLED,
    ),
)
