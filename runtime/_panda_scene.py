"""The 3D scene: one node path per entity id, kept across frames.

Each entity is a node ``entity-<id>`` under the scene root holding an instance of its kind's
model (see :mod:`runtime._panda_kinds`). Nodes are reused while an id stays, created when an id
appears and removed when it goes, so a frame costs O(entities) ``set_pos`` calls, not a
rebuild. Models are loaded once per scene, normalised to a unit footprint with their base at
z = 0, so an entity stands on its position.
"""

from __future__ import annotations

import numpy as np
from panda3d.core import (
    AmbientLight,
    DirectionalLight,
    Filename,
    Loader,
    NodePath,
)

from ._frame import FrameSnapshot
from ._panda_kinds import KindStyle, style_for

#: Thickness of a ground slab in world units (its top is at the ground entity's z).
GROUND_THICKNESS = 0.2


class Scene:
    """The 3D scene graph of a presenter: lights, entity nodes and their models."""

    def __init__(self) -> None:
        #: Root of everything 3D; the camera is parented here by the presenter.
        self.root = NodePath("modhost-render")
        self._loader = Loader.get_global_ptr()
        self._models: dict[str, NodePath] = {}
        #: entity id -> (kind, its style, its node).
        self._nodes: dict[int, tuple[str, KindStyle, NodePath]] = {}
        self._add_lights()

    def _add_lights(self) -> None:
        ambient = AmbientLight("ambient")
        ambient.set_color((0.45, 0.45, 0.5, 1.0))
        sun = DirectionalLight("sun")
        sun.set_color((0.75, 0.72, 0.65, 1.0))
        sun_np = self.root.attach_new_node(sun)
        sun_np.set_hpr(-30.0, -55.0, 0.0)  # from the south-west, high
        self.root.set_light(self.root.attach_new_node(ambient))
        self.root.set_light(sun_np)

    @property
    def entity_count(self) -> int:
        """How many entity nodes exist now."""
        return len(self._nodes)

    def node_for(self, entity_id: int) -> NodePath | None:
        """The node path drawing ``entity_id``, or None (for tests and tools)."""
        entry = self._nodes.get(entity_id)
        return entry[2] if entry else None

    def sync(
        self, frame: FrameSnapshot, arena: tuple[tuple[float, float], tuple[float, float]]
    ) -> None:
        """Make the nodes match ``frame``: add new ids, drop gone ids, move the rest.

        :param arena: ((x_lo, y_lo), (x_hi, y_hi)) the ground slabs are stretched over.
        """
        # Plain Python lists: indexing numpy scalars one by one costs more than the conversion.
        ids: list[int] = frame.ids.tolist()
        positions: list[list[float]] = frame.positions.tolist()
        # A NaN or infinite position would trip a Panda3D assertion: such an entity is hidden.
        finite: list[bool] = np.isfinite(frame.positions).all(axis=1).tolist()  # type: ignore[assignment]
        wanted = set(ids)
        for gone in [i for i in self._nodes if i not in wanted]:
            self._nodes.pop(gone)[2].remove_node()
        rows = zip(ids, frame.kinds, positions, finite, strict=True)
        for entity_id, kind, (x, y, z), ok in rows:
            style, node = self._node(entity_id, kind)
            if not ok:
                node.hide()
                continue
            if node.is_hidden():
                node.show()
            if style.ground:
                self._place_ground(node, z, arena)
            else:
                node.set_pos(x, y, z)
                if style.spin:
                    node.set_h((frame.tick * style.spin + entity_id * 37) % 360.0)

    def _node(self, entity_id: int, kind: str) -> tuple[KindStyle, NodePath]:
        entry = self._nodes.get(entity_id)
        if entry is not None and entry[0] == kind:
            return entry[1], entry[2]
        if entry is not None:  # the id changed kind: redraw it with the new look
            entry[2].remove_node()
        style = style_for(kind)
        node = self.root.attach_new_node(f"entity-{entity_id}")
        self._model(style.model).instance_to(node)
        node.set_scale(*style.scale)
        node.set_color(*style.color)
        if not style.textured:
            node.set_texture_off(1)
        node.set_tag("kind", kind)
        self._nodes[entity_id] = (kind, style, node)
        return style, node

    def _place_ground(
        self, node: NodePath, z: float, arena: tuple[tuple[float, float], tuple[float, float]]
    ) -> None:
        (x_lo, y_lo), (x_hi, y_hi) = arena
        node.set_pos((x_lo + x_hi) / 2.0, (y_lo + y_hi) / 2.0, z - GROUND_THICKNESS)
        node.set_scale(max(x_hi - x_lo, 1.0), max(y_hi - y_lo, 1.0), GROUND_THICKNESS)

    def _model(self, path: str) -> NodePath:
        """The normalised model at ``path``, loaded once (the loader also pools it)."""
        model = self._models.get(path)
        if model is None:
            model = _normalised(NodePath(self._loader.load_sync(Filename(path))))
            self._models[path] = model
        return model

    def destroy(self) -> None:
        """Drop every node (idempotent)."""
        for _, _, node in self._nodes.values():
            node.remove_node()
        self._nodes.clear()
        self._models.clear()
        self.root.remove_node()


def _normalised(model: NodePath) -> NodePath:
    """Wrap ``model`` so its largest side is 1, centred in x and y, base at z = 0."""
    lo, hi = model.get_tight_bounds()
    size = max(hi.x - lo.x, hi.y - lo.y, hi.z - lo.z, 1e-6)
    holder = NodePath(f"normalised-{model.get_name()}")
    model.reparent_to(holder)
    model.set_scale(1.0 / size)
    model.set_pos(-(lo.x + hi.x) / 2.0 / size, -(lo.y + hi.y) / 2.0 / size, -lo.z / size)
    model.flatten_light()  # bake the transform into the vertices
    return holder
