"""One geometry drawing many copies of a template: a batch, one draw call per template part.

A :class:`Batch` owns one ``GeomNode`` with one ``Geom`` per template part. Its vertex data has
three arrays: array 0 (positions) is rewritten every frame from numpy, straight into Panda3D's
buffer through a memoryview (no intermediate copy); array 1 (normals) only for turning
instances; array 2 (texture coordinate and colour) and the triangle indices only when the set
of instances changes. So moving 10,000 entities costs a few vectorised numpy operations per
part, and the number of draw calls stays the number of parts whatever the entity count.

Per-instance transform: ``p' = R(heading) (p * scale) + centre`` (heading about z, scale
shared by the batch), or for flat impostors ``p' = p * (squash, 1, 1) + centre``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from panda3d.core import (
    Geom,
    GeomEnums,
    GeomNode,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    InternalName,
    NodePath,
    OmniBoundingVolume,
)

from ._panda_models import Template

F32 = npt.NDArray[np.float32]


def _format() -> GeomVertexFormat:
    layout = GeomVertexFormat()
    for columns in (
        ((InternalName.get_vertex(), 3, Geom.C_point),),
        ((InternalName.get_normal(), 3, Geom.C_normal),),
        (
            (InternalName.get_texcoord(), 2, Geom.C_texcoord),
            (InternalName.get_color(), 4, Geom.C_color),
        ),
    ):
        array = GeomVertexArrayFormat()
        for name, size, contents in columns:
            array.add_column(name, size, Geom.NT_float32, contents)
        layout.add_array(array)
    return GeomVertexFormat.register_format(layout)


#: The vertex layout of every batch (registered once; formats are shared by identity).
FORMAT = _format()


class Batch:
    """Every instance of one look, drawn from one template per part.

    :param name: node name (for ``ls()`` and tests).
    :param templates: the parts of the look.
    :param parent: the node the batch is attached under.
    """

    def __init__(self, name: str, templates: list[Template], parent: NodePath) -> None:
        node = GeomNode(name)
        self._parts: list[tuple[Template, GeomVertexData, GeomTriangles]] = []
        for template in templates:
            data = GeomVertexData(name, FORMAT, Geom.UH_dynamic)
            triangles = GeomTriangles(Geom.UH_dynamic)
            triangles.set_index_type(GeomEnums.NT_uint32)
            geom = Geom(data)
            geom.add_primitive(triangles)
            # Instances move every frame: Panda3D would otherwise walk every vertex to
            # recompute bounds. The framing keeps every entity in view anyway.
            geom.set_bounds(OmniBoundingVolume())
            node.add_geom(geom, template.state)
            self._parts.append((template, data, triangles))
        node.set_bounds(OmniBoundingVolume())
        node.set_final(True)
        #: The batch's node; hidden while it has no instance.
        self.node = parent.attach_new_node(node)
        self._count = -1
        self._generation = -1

    @property
    def count(self) -> int:
        """Instances drawn by the last :meth:`write` (0 before)."""
        return max(self._count, 0)

    @property
    def parts(self) -> int:
        """Geoms the batch submits per frame while it has instances: one per template part."""
        return len(self._parts)

    def write(
        self,
        centres: F32,
        colours: Callable[[], F32],
        generation: int,
        *,
        headings: F32 | None = None,
        scale: tuple[float, float, float] | None = None,
        squash: F32 | None = None,
    ) -> None:
        """Draw ``len(centres)`` instances this frame.

        :param centres: (n, 3) float32, where each instance stands.
        :param colours: gives (n, 4) float32 RGBA per instance; called only when the
            ``generation`` or the count changed since the last write.
        :param generation: changes whenever the set of instances (and so their colours) does.
        :param headings: (n,) radians about z per instance, or None for none.
        :param scale: a stretch applied to the template first (the ground), or None.
        :param squash: (n,) width factors along the view's x (a spinning impostor), or None.

        Cost: O(n x template vertices) numpy work, one write into each part's position array
        (and its normal array when turning); the other arrays only when the instances change.
        """
        n = len(centres)
        fresh = n != self._count or generation != self._generation
        if fresh:
            tints = colours() if n else np.zeros((0, 4), dtype=np.float32)
            for template, data, triangles in self._parts:
                _write_still(template, data, triangles, tints, n)
        self._count, self._generation = n, generation
        if n == 0:
            self.node.hide()
            return
        self.node.show()
        for template, data, _ in self._parts:
            _write_moving(template, data, centres, headings, scale, squash, fresh=fresh)

    def destroy(self) -> None:
        """Detach the node (idempotent)."""
        self.node.remove_node()


def _write_still(
    template: Template, data: GeomVertexData, triangles: GeomTriangles, colours: F32, n: int
) -> None:
    """Normals, texture coordinates, colours and triangle indices for ``n`` instances."""
    v = template.vertex_count
    data.set_num_rows(n * v)
    indices = triangles.modify_vertices()
    indices.set_num_rows(n * len(template.triangles))
    if n == 0:
        return
    normals = _view(data, 1, (n, v, 3))
    normals[:] = template.normals
    still = _view(data, 2, (n, v, 6))
    still[:, :, :2] = template.texcoords
    still[:, :, 2:] = colours[:, None, :]
    out = np.frombuffer(memoryview(indices), dtype=np.uint32).reshape(n, -1)
    offsets = np.arange(n, dtype=np.uint32)[:, None] * np.uint32(v)
    np.add(template.triangles[None, :], offsets, out=out)


def _view(data: GeomVertexData, array: int, shape: tuple[int, ...]) -> F32:
    """Array ``array`` of ``data`` as a writable float32 numpy view of Panda3D's own buffer."""
    return np.frombuffer(memoryview(data.modify_array(array)), dtype=np.float32).reshape(shape)


def _write_moving(
    template: Template,
    data: GeomVertexData,
    centres: F32,
    headings: F32 | None,
    scale: tuple[float, float, float] | None,
    squash: F32 | None,
    *,
    fresh: bool,
) -> None:
    """Positions of every instance, straight into array 0; turned normals into array 1."""
    n, v = len(centres), template.vertex_count
    position = _view(data, 0, (n, v, 3))
    points = template.positions if scale is None else template.positions * np.float32(scale)
    if headings is None:
        # centres @ [I I I ...] spreads each centre over its copy's vertices in one pass over
        # contiguous memory (a broadcast add over a last axis of 3 is several times slower).
        flat = position.reshape(n, v * 3)
        np.matmul(centres, template.spread, out=flat)
        np.add(flat, points.reshape(-1), out=flat)
        if squash is not None:
            np.multiply(points[None, :, 0], squash[:, None], out=position[:, :, 0])
            position[:, :, 0] += centres[:, None, 0]
        return
    cos = np.cos(headings)[:, None]
    sin = np.sin(headings)[:, None]
    _rotate(points, cos, sin, position)
    position += centres[:, None, :]
    _rotate(template.normals, cos, sin, _view(data, 1, (n, v, 3)))


def _rotate(vectors: F32, cos: F32, sin: F32, out: F32) -> None:
    """``vectors`` (v, 3) turned by each instance's heading about z into ``out`` (n, v, 3)."""
    x, y = vectors[:, 0], vectors[:, 1]
    np.subtract(cos * x, sin * y, out=out[:, :, 0])
    np.add(sin * x, cos * y, out=out[:, :, 1])
    out[:, :, 2] = vectors[:, 2]
