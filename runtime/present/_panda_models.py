"""A kind's model as numpy arrays: the template every instance of a batch is copied from.

A model from the panda3d wheel is read once into :class:`Template`s, one per distinct render
state (a texture, say): positions, normals and texture coordinates of its vertices, and the
triangle list. Positions are normalised so the largest side is 1, the model is centred in x
and y and its base sits at z = 0 (an entity stands on its position), then scaled by the kind's
size. The batches (``_panda_batch``) copy these arrays once per instance with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from panda3d.core import (
    ColorAttrib,
    Filename,
    Geom,
    GeomNode,
    GeomVertexFormat,
    LMatrix4f,
    Loader,
    NodePath,
    RenderState,
    Texture,
    TextureAttrib,
)

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Template:
    """One part of a model: triangles sharing one render state."""

    #: Vertex positions, shape (v, 3).
    positions: F32
    #: Unit normals, shape (v, 3).
    normals: F32
    #: Texture coordinates, shape (v, 2) (zeros for an untextured model).
    texcoords: F32
    #: Vertex indices, three per triangle, shape (3 t,).
    triangles: npt.NDArray[np.uint32]
    #: The model's own state for these triangles (its texture), colour removed: batches colour
    #: per vertex.
    state: RenderState

    @property
    def vertex_count(self) -> int:
        """Vertices in one copy."""
        return len(self.positions)

    @cached_property
    def spread(self) -> F32:
        """(3, 3 v): one identity block per vertex; ``centres @ spread`` repeats each centre
        once per vertex of its copy."""
        return np.tile(np.eye(3, dtype=np.float32), self.vertex_count)

    def scaled(self, scale: tuple[float, float, float]) -> Template:
        """This part stretched by ``scale`` along x, y, z (normals corrected and renormalised)."""
        factor = np.asarray(scale, dtype=np.float32)
        normals = self.normals / factor
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
        return Template(
            self.positions * factor, normals, self.texcoords, self.triangles, self.state
        )

    def tilted(self, degrees: float) -> Template:
        """This part turned about x so its -y side rises by ``degrees``."""
        a = np.radians(degrees)
        # Row vectors (p' = p @ turn): the front (0, -1, 0) goes to (0, -cos a, sin a).
        turn = np.array(
            [[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]],
            dtype=np.float32,
        )
        return Template(
            self.positions @ turn, self.normals @ turn, self.texcoords, self.triangles, self.state
        )

    def face_texture(self) -> Texture | None:
        """The texture this part is drawn with, if any."""
        attrib = self.state.get_attrib(TextureAttrib)
        return None if attrib is None else attrib.get_texture()

    def untextured(self) -> Template:
        """This part without its texture (plain colour)."""
        state = self.state.remove_attrib(TextureAttrib)
        return Template(self.positions, self.normals, self.texcoords, self.triangles, state)

    def with_texture(self, texture: Texture) -> Template:
        """This part drawn with ``texture`` instead of its own."""
        state = self.state.set_attrib(TextureAttrib.make(texture))
        return Template(self.positions, self.normals, self.texcoords, self.triangles, state)


def load_templates(path: str, *, tilt_deg: float = 0.0) -> list[Template]:
    """Read the model at ``path`` (as Panda3D's loader names it) into normalised templates.

    :param tilt_deg: turn the model's -y side up by this many degrees (about x) first.

    Cost: one load (the loader pools models) and O(vertices) numpy work; done once per model.
    """
    model = NodePath(Loader.get_global_ptr().load_sync(Filename(path)))
    parts: dict[RenderState, list[tuple[F32, F32, F32, npt.NDArray[np.uint32]]]] = {}
    for found in model.find_all_matches("**/+GeomNode"):
        node = found.node()
        assert isinstance(node, GeomNode)
        matrix = found.get_mat(model)
        for i in range(node.get_num_geoms()):
            state = node.get_geom_state(i).remove_attrib(ColorAttrib)
            parts.setdefault(state, []).append(_geom_arrays(node.get_geom(i), matrix))
    templates = [_joined(state, arrays) for state, arrays in parts.items()]
    if tilt_deg:
        templates = [t.tilted(tilt_deg) for t in templates]
    return _normalised(templates)


def _geom_arrays(geom: Geom, matrix: LMatrix4f) -> tuple[F32, F32, F32, npt.NDArray[np.uint32]]:
    """Positions, normals, texcoords and triangle indices of ``geom`` under ``matrix``."""
    data = geom.get_vertex_data().convert_to(GeomVertexFormat.get_v3n3t2())
    rows = np.frombuffer(memoryview(data.get_array(0)), dtype=np.float32).reshape(-1, 8)
    mat = np.array([list(matrix.get_row(r)) for r in range(4)], dtype=np.float64)
    # Panda3D matrices act on row vectors: p' = p @ M.
    positions = (rows[:, :3] @ mat[:3, :3] + mat[3, :3]).astype(np.float32)
    normals = (rows[:, 3:6] @ np.linalg.inv(mat[:3, :3]).T).astype(np.float32)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    indices: list[int] = []
    for p in range(geom.get_num_primitives()):
        triangles = geom.get_primitive(p).decompose()
        indices += [int(v) for v in triangles.get_vertex_list()]
    return positions, normals, rows[:, 6:8].copy(), np.array(indices, dtype=np.uint32)


def _joined(
    state: RenderState, arrays: list[tuple[F32, F32, F32, npt.NDArray[np.uint32]]]
) -> Template:
    offsets = np.cumsum([0] + [len(a[0]) for a in arrays[:-1]])
    return Template(
        np.concatenate([a[0] for a in arrays]),
        np.concatenate([a[1] for a in arrays]),
        np.concatenate([a[2] for a in arrays]),
        np.concatenate([a[3] + np.uint32(o) for a, o in zip(arrays, offsets, strict=True)]),
        state,
    )


def _normalised(templates: list[Template]) -> list[Template]:
    """Largest side 1, centred in x and y, base at z = 0 (over all parts together)."""
    every = np.concatenate([t.positions for t in templates])
    lo, hi = every.min(axis=0), every.max(axis=0)
    size = float(max((hi - lo).max(), 1e-6))
    shift = np.array([(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0, lo[2]], dtype=np.float32)
    return [
        Template((t.positions - shift) / size, t.normals, t.texcoords, t.triangles, t.state)
        for t in templates
    ]
