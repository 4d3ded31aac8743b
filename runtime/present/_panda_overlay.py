"""The 2D overlay: host statistics top left, mod HUD items top right.

Drawn with Panda3D ``TextNode``s in a 2D scene of its own (an orthographic camera over
x in [-aspect, aspect], y in [-1, 1], the layout ShowBase calls ``aspect2d``), so text keeps its
shape at any window size and lands in offscreen screenshots like everything else. Text is
regenerated only when it changes.
"""

from __future__ import annotations

from panda3d.core import GeomNode, NodePath, OrthographicLens, TextNode

from ..core import FrameSnapshot

#: Text height as a fraction of the screen's half-height.
TEXT_SCALE = 0.075
#: Smallest text height in pixels: on small outputs (thumbnails, tests) text stays legible.
MIN_TEXT_PX = 11.0
#: Longest line, in text heights, before it wraps.
WRAP = 28.0
#: Card margins around a text block (left, right, bottom, top), in text lines.
CARD_MARGIN = (0.3, 0.3, 0.2, 0.15)
#: Distance from the screen edges, same unit.
EDGE = 0.04


class Overlay:
    """Two text blocks over the 3D picture.

    :param size: (width, height) of the output in pixels.
    """

    def __init__(self, size: tuple[int, int]) -> None:
        #: Root of the 2D scene; the presenter parents its camera here.
        self.root = NodePath("modhost-overlay")
        self.root.set_depth_test(False)
        self.root.set_depth_write(False)
        #: The lens the presenter's 2D camera uses.
        self.lens = OrthographicLens()
        self.lens.set_near_far(-10.0, 10.0)
        self._stats = self._block("stats", TextNode.A_left)
        self._hud = self._block("hud", TextNode.A_right)
        self.resize(size)

    def resize(self, size: tuple[int, int]) -> None:
        """Lay the blocks out for an output of ``size`` pixels (a resized window)."""
        width, height = size
        aspect = width / height
        scale = max(TEXT_SCALE, MIN_TEXT_PX / (height / 2.0))
        self.lens.set_film_size(2.0 * aspect, 2.0)
        top = 1.0 - EDGE - scale
        for block, x in ((self._stats, -aspect + EDGE), (self._hud, aspect - EDGE)):
            node = self.root.find(block.get_name())
            node.set_scale(scale)
            node.set_pos(x, 0.0, top)

    def _block(self, name: str, align: int) -> TextNode:
        text = TextNode(name)
        text.set_align(align)
        text.set_wordwrap(WRAP)  # a long mod line wraps instead of running off the screen
        text.set_text_color(1.0, 1.0, 1.0, 1.0)
        text.set_shadow(0.06, 0.06)
        text.set_shadow_color(0.0, 0.0, 0.0, 1.0)
        text.set_card_color(0.0, 0.0, 0.0, 0.45)
        self.root.attach_new_node(text)
        return text

    def update(self, frame: FrameSnapshot, entity_count: int, scene_draw_calls: int = 0) -> None:
        """Show ``frame``'s tick, entity count, overlay lines and HUD items, and the frame's
        draw calls: ``scene_draw_calls`` plus the overlay's own."""
        _set_text(self._hud, hud_lines(frame))
        # The stats block always has text: a card and the text itself, two geoms.
        others = self.draw_calls - _geoms(self._stats)
        total = scene_draw_calls + others + 2
        _set_text(self._stats, stats_lines(frame, entity_count, total))

    @property
    def draw_calls(self) -> int:
        """Geoms the overlay submits per frame: every text block's card and glyphs."""
        return sum(_geoms(found.node()) for found in self.root.find_all_matches("**/+TextNode"))

    def hud_height(self) -> float:
        """Fraction of the output's height the HUD block covers from the top edge (card
        included; 0 without HUD text). The camera frames entities below it: the HUD is what a
        player reads. The stats block is the host's own readout and may cover entities."""
        if not self._hud.get_text():
            return 0.0
        lo, _ = self.root.find(self._hud.get_name()).get_tight_bounds(self.root)
        return (1.0 - lo.z) / 2.0

    @property
    def text(self) -> tuple[str, str]:
        """The stats and HUD text as drawn now (for tests and tools)."""
        return self._stats.get_text(), self._hud.get_text()

    def destroy(self) -> None:
        """Drop the 2D scene (idempotent)."""
        self.root.remove_node()


def stats_lines(frame: FrameSnapshot, entity_count: int, draw_calls: int | None = None) -> str:
    """The top-left block: tick, entity count unless the overlay gives one, the frame's draw
    calls, overlay lines."""
    lines = [f"tick {frame.tick}"]
    if not any(key.lower() == "entities" for key in frame.overlay):
        lines.append(f"entities: {entity_count}")
    if draw_calls is not None:
        lines.append(f"draw calls: {draw_calls}")
    lines += [f"{key}: {value}" for key, value in frame.overlay.items()]
    return "\n".join(lines)


def hud_lines(frame: FrameSnapshot) -> str:
    """The top-right block: HUD item texts, in key order (mods choose keys to order them)."""
    return "\n".join(frame.hud[key] for key in sorted(frame.hud))


def _geoms(node: object) -> int:
    """Geoms a text node draws (0 while it has no text)."""
    assert isinstance(node, TextNode)
    generated = node.get_internal_geom()
    if generated is None:
        return 0
    root = NodePath(generated)
    found = [root, *root.find_all_matches("**/+GeomNode")]
    return sum(n.node().get_num_geoms() for n in found if isinstance(n.node(), GeomNode))


def _set_text(node: TextNode, text: str) -> None:
    if node.get_text() == text:
        return
    node.set_text(text)
    # An empty block would still draw its card margin as a small dark square.
    if text:
        node.set_card_as_margin(*CARD_MARGIN)
    else:
        node.clear_card()
