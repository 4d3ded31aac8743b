"""The scene's lights, shared by the scene and the impostor baker so both light alike."""

from __future__ import annotations

from panda3d.core import AmbientLight, DirectionalLight, NodePath


def add_lights(root: NodePath) -> None:
    """Light everything under ``root``: a soft ambient and a sun from the south-west, high."""
    ambient = AmbientLight("ambient")
    ambient.set_color((0.45, 0.45, 0.5, 1.0))
    sun = DirectionalLight("sun")
    sun.set_color((0.75, 0.72, 0.65, 1.0))
    sun_np = root.attach_new_node(sun)
    sun_np.set_hpr(-30.0, -55.0, 0.0)
    root.set_light(root.attach_new_node(ambient))
    root.set_light(sun_np)
