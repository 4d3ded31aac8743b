"""Resolver speed: load order for 1,000 and 10,000 mods, version selection for 200 x 20.

The folders are generated with a realistic mix: a few widely used libraries, most mods
requiring one to three earlier mods in range, optional and softAfter relations (some of the
latter closing soft cycles), rare conflicts, missing dependencies, host mismatches and hard
cycles. Baselines measured in the same run: for load order, networkx's lexicographic
topological sort of the same required edges alone (the bare graph work); for version
selection, a greedy newest-first pick with no backtracking over the same releases.
Goal: under one second for 10,000 mods.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

import networkx as nx

from benchmarks._timing import best_of
from host_api import Manifest
from resolver import InMemoryReleases, ModCandidate, Release, Resolver, plan_load_order

SEED = 4


def _folder(n: int, rng: random.Random) -> list[ModCandidate]:
    ids = [f"mod-{i:05d}" for i in range(n)]
    libraries = max(5, n // 50)
    cycles = set(rng.sample(range(libraries, n - 1), 5))
    mods = []
    for i, mod_id in enumerate(ids):
        # Most relations point at widely used libraries, the rest at any older mod.
        def pick(k: int, i: int = i) -> list[str]:
            pool = ids[: min(i, libraries)] if rng.random() < 0.6 else ids[:i]
            return sorted(set(rng.sample(pool, min(k, len(pool))))) if pool else []

        required = {t: rng.choice(["*", ">=1.0,<2.0", ">=1.0"]) for t in pick(rng.randint(0, 3))}
        if i >= libraries and rng.random() < 0.005:
            required[f"gone-{i}"] = ">=1.0"
        if i in cycles:
            required[ids[i + 1]] = "*"
        if i - 1 in cycles:
            required[ids[i - 1]] = "*"
        optional = {t: ">=1.0" for t in pick(rng.randint(0, 2)) if t not in required}
        soft = pick(rng.randint(1, 2)) if rng.random() < 0.2 else []
        if rng.random() < 0.01 and i + 20 < n:
            soft.append(ids[i + rng.randint(1, 20)])  # may close a soft cycle
        conflicts = {rng.choice(ids): ">=1.5"} if rng.random() < 0.003 else {}
        host = ">=0.2" if rng.random() < 0.003 else rng.choice(["*", ">=0.1,<0.2"])
        data = {
            "id": mod_id,
            "name": mod_id,
            "version": f"1.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
            "host": host,
            "dependencies": {
                "required": required,
                "optional": optional,
                "softAfter": sorted(set(soft)),
                "conflicts": {k: v for k, v in conflicts.items() if k != mod_id},
            },
        }
        mods.append(ModCandidate(Manifest.model_validate(data), Path("mods") / mod_id))
    return mods


def _baseline_order(mods: list[ModCandidate]) -> list[str]:
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(m.manifest.id for m in mods)
    for m in mods:
        graph.add_edges_from((t, m.manifest.id) for t in m.manifest.dependencies.required)
    try:
        return list(nx.lexicographical_topological_sort(graph))
    except nx.NetworkXUnfeasible:
        return []


def _universe(n: int, versions: int, rng: random.Random) -> list[Release]:
    releases = []
    for i in range(n):
        for v in range(versions):
            deps = {}
            for t in rng.sample(range(i), min(i, rng.randint(0, 3))):
                low = rng.randint(0, versions // 2)
                # Newer releases tend to need newer dependencies; some ask for ones that
                # do not exist, which forces backtracking to an older release.
                low = min(low + v // 4, versions + (1 if rng.random() < 0.05 else 0))
                deps[f"lib-{t:03d}"] = f">={low}.0"
            conflicts = {f"lib-{rng.randrange(n):03d}": f"<{versions // 4}.0"}
            releases.append(
                Release.of(
                    f"lib-{i:03d}",
                    f"{v}.0.0",
                    required=deps,
                    conflicts=conflicts if rng.random() < 0.03 else {},
                    host=">=0.2" if rng.random() < 0.02 else "*",
                )
            )
    return releases


def _greedy(releases: list[Release], roots: list[str]) -> dict[str, str]:
    by_id: dict[str, list[Release]] = {}
    for r in releases:
        by_id.setdefault(r.id, []).append(r)
    chosen: dict[str, str] = {}
    todo = list(roots)
    while todo:
        mod_id = todo.pop()
        if mod_id in chosen or mod_id not in by_id:
            continue
        newest = max(by_id[mod_id], key=lambda r: r.version)
        chosen[mod_id] = str(newest.version)
        todo.extend(t for t, _ in newest.required)
    return chosen


def main() -> None:
    rng = random.Random(SEED)
    print(f"{'case':<34}{'ms':>10}{'baseline ms':>14}{'ratio':>8}")
    for n in (1_000, 10_000):
        mods = _folder(n, rng)
        plan = plan_load_order(mods)
        ms = best_of(3, functools.partial(plan_load_order, mods)) * 1000
        base = best_of(3, functools.partial(_baseline_order, mods)) * 1000
        label = f"load order {n:,} mods"
        print(f"{label:<34}{ms:>10.1f}{base:>14.1f}{ms / base:>8.1f}x")
        print(
            f"  {len(plan.order):,} load, {len(plan.disabled):,} disabled, "
            f"{len(plan.diagnostics):,} diagnostics; goal < 1000 ms: "
            f"{'met' if ms < 1000 else 'MISSED'}"
        )
    releases = _universe(200, 20, rng)
    roots = [f"lib-{i:03d}" for i in range(180, 200)]
    requests = dict.fromkeys(roots, "*")
    resolver = Resolver(InMemoryReleases(releases))
    selection = resolver.resolve(requests)
    ms = best_of(3, lambda: resolver.resolve(requests)) * 1000
    base = best_of(3, lambda: _greedy(releases, roots)) * 1000
    label = "version selection 200 x 20"
    print(f"{label:<34}{ms:>10.1f}{base:>14.1f}{ms / base:>8.1f}x")
    print(f"  {len(selection.releases)} selected in {selection.rounds} rounds")


if __name__ == "__main__":
    main()
