"""The column geometry of a forest plot: where (in inches) each column and the effect axis sit.

The label column is as wide as the widest label within :data:`LABEL_WIDTH`, then come the
per-arm number columns, the weight, the effect axis and the printed estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialsynth.figures.forest_rows import Block, ForestLayout
from trialsynth.figures.text_width import text_width
from trialsynth.meta.measures import PRECOMPUTED

ROW_HEIGHT = 0.2  # inches per text row
FONT_SIZE = 7.0
#: Narrowest and widest label column (inches); longer labels end with an ellipsis.
LABEL_WIDTH = (1.4, 3.0)
#: Free space (inches) between the label column and the first number column.
LABEL_GAP = 0.1


@dataclass(frozen=True)
class Geometry:
    """Horizontal positions (inches) of the columns and the effect axis."""

    label_x: float
    label_room: float
    cell_right: tuple[float, ...]
    arm_centre: tuple[float, ...]
    weight_right: float
    axis_left: float
    axis_right: float
    effect_x: float
    width: float


def label_texts(layout: ForestLayout) -> list[tuple[str, bool]]:
    """Every text of the label column with its weight (bold or not)."""
    texts = [(row.label, False) for row in layout.studies]
    texts += [(block_title(layout, block), True) for block in layout.blocks if block.title]
    pooled = [layout.overall, *(block.pooled for block in layout.blocks)]
    texts += [(p.label, True) for p in pooled if p is not None]
    return texts


def comparative(layout: ForestLayout) -> bool:
    """Whether the line of no effect means anything: two-arm measures always; a precomputed
    effect (GEN) only when its analysis names the sides it favours (a logit proportion of one
    arm, such as a decay model's rows, has no "no effect" value)."""
    if layout.measure.kind != PRECOMPUTED:
        return True
    return any(layout.favours)


def block_title(layout: ForestLayout, block: Block) -> str:
    """A block's title as drawn: ``"<by>: <value>"`` with the subgroup column named."""
    by = layout.by.replace("_", " ")
    return f"{by}: {block.title}" if by else block.title


def column_geometry(layout: ForestLayout) -> Geometry:
    """The horizontal positions of the columns and the effect axis of ``layout``."""
    n_cells = len(layout.cell_headers)
    label_x = 0.05
    # As wide as the widest label (a few thousand labels cost a look-up per character), within
    # LABEL_WIDTH; the first number column's text is right-aligned and ends well inside it.
    widest = max([text_width(t, FONT_SIZE, b) for t, b in label_texts(layout)] + [1.0])
    label_width = min(max(label_x + widest + LABEL_GAP, LABEL_WIDTH[0]), LABEL_WIDTH[1])
    cell_width = 0.48
    cells_left = label_width
    cell_right = tuple(cells_left + cell_width * (i + 1) for i in range(n_cells))
    per_arm = n_cells // max(len(layout.arm_headers), 1) if layout.arm_headers else 0
    arm_centre = tuple(
        cells_left + cell_width * (per_arm * i + per_arm / 2)
        for i in range(len(layout.arm_headers))
    )
    weight_right = cells_left + cell_width * n_cells + 0.6
    axis_left = weight_right + 0.25
    axis_right = axis_left + 2.8
    effect_x = axis_right + 0.2
    return Geometry(
        label_x,
        label_width - label_x - LABEL_GAP,
        cell_right,
        arm_centre,
        weight_right,
        axis_left,
        axis_right,
        effect_x,
        effect_x + 1.75,
    )
