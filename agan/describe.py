"""Draws an architecture's three modules as graphs, in the manner of the AGAN paper's Figure 6.

Each module is drawn for its typical place in the meta-architecture (the up-sampling module after
another up-sampling module, the down-sampling module after another down-sampling module, the normal
module after a down-sampling module), so o0 is drawn with its re-sampling meaning; the label says
that it keeps the resolution where no re-sampling module precedes (Figure 6's note).
"""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

from agan import module_plan as m  # noqa: E402
from agan import search_space as ss  # noqa: E402
from mobile.atomic import atomic_output  # noqa: E402

# (segment, module kind, re-sampling kind of the module before, title)
PANELS = (
    (ss.GENERATOR_UP, m.UP, m.UP, "(a) Up-sampling module (generator)"),
    (ss.DISCRIMINATOR_DOWN, m.DOWN, m.DOWN, "(b) Down-sampling module (discriminator)"),
    (ss.DISCRIMINATOR_NORMAL, m.NORMAL, m.DOWN, "(c) Normal module (discriminator)"),
)
_ARROWS = {m.UP: "\u2191", m.DOWN: "\u2193", m.NORMAL: ""}
LEGEND = ("\u2191: 2x up-sampling (nearest-neighbour, then the operation; deconv: stride-2 transposed "
          "convolution).  \u2193: 2x2 average pooling after the operation ('pool\u2193 then': before "
          "it).  Dashed: parameter-free re-sampling to match resolutions.")
_COLOURS = {"conv": "#cfe3f7", "pool": "#fde2c4", "identity": "#e6e6e6", "io": "#ffffff",
            "sum": "#fff7b0", "concat": "#d8f0d2"}


def _family(token):
    if ss.is_convolution(token):
        return "conv"
    return "identity" if token == ss.IDENTITY else "pool"


def _label(node, previous):
    token = node.op
    if token.startswith(ss.POOL_FIRST_PREFIX):
        token = token.removeprefix(ss.POOL_FIRST_PREFIX)
        if node.mode == m.DOWN:
            token = f"pool\u2193 then {token}"
    text = token.replace("_", " ")
    if node.mode != m.NORMAL and not node.op.startswith(ss.POOL_FIRST_PREFIX):
        text += f" {_ARROWS[node.mode]}"
    if node.index == 1 and previous:
        text += f"\n({_ARROWS[previous]} only after an {previous} module)"
    return text


def module_graph(plan):
    """Lays out a `ModulePlan` for drawing.

    Returns (nodes, edges): nodes maps a key to (column, row, label, colour family); edges is a list
    of (source key, target key, note) with note "" or a parameter-free re-sampling arrow.
    """
    nodes = {"prev": (0, 0, "prev\nh(i-1)", "io"), 0: (0, 1, "input\nh(i)", "io")}
    edges = [("prev", 1, "")]
    column = {0: 0, 1: 1}
    nodes[1] = (1, 0, _label(plan.nodes[1], plan.previous), _family(plan.nodes[1].op))
    for node in plan.nodes[2:]:  # one row per tensor, one column per depth: edges avoid boxes
        depth = max(column[j] for j in node.inputs) + 1 + (len(node.inputs) > 1)
        column[node.index] = depth
        nodes[node.index] = (depth, node.index, _label(node, None), _family(node.op))
        target = node.index
        if len(node.inputs) > 1:
            target = f"sum{node.index}"
            nodes[target] = (depth - 1, node.index, "+", "sum")
            edges.append((target, node.index, ""))
        edges.extend((j, target, _ARROWS[m.UP] if j in node.upsampled_inputs else "")
                     for j in node.inputs)
    last = max(column.values()) + 1
    middle = len(plan.nodes) / 2 - 0.5
    nodes["concat"] = (last, middle, "concat", "concat")
    nodes["projection"] = (last + 1, middle, "conv 1x1", "conv")
    nodes["output"] = (last + 2, middle, "output", "io")
    edges.extend((j, "concat", _ARROWS[plan.resampled_loose_ends.get(j, m.NORMAL)])
                 for j in plan.loose_ends)
    edges += [("concat", "projection", ""), ("projection", "output", "")]
    return nodes, edges


def _draw_panel(ax, plan, title):
    nodes, edges = module_graph(plan)
    texts = {}
    for key, (x, y, label, family) in nodes.items():
        shape = "circle,pad=0.25" if family == "sum" else "round,pad=0.4"
        texts[key] = ax.text(x, -y, label, ha="center", va="center", fontsize=8,
                             bbox={"boxstyle": shape, "facecolor": _COLOURS[family],
                                   "edgecolor": "#555555"})
    for source, target, note in edges:
        (x0, y0), (x1, y1) = nodes[source][:2], nodes[target][:2]
        bend = 0.12 if x1 - x0 > 1.5 else 0.0  # long edges arc around the boxes between
        ax.annotate("", xy=(x1, -y1), xytext=(x0, -y0),
                    arrowprops={"arrowstyle": "-|>", "color": "#333333", "shrinkA": 0,
                                "connectionstyle": f"arc3,rad={bend}",
                                "shrinkB": 0, "patchA": texts[source].get_bbox_patch(),
                                "patchB": texts[target].get_bbox_patch(),
                                "linestyle": "--" if note else "-"})
        if note:
            ax.text((x0 + x1) / 2, -(y0 + y1) / 2, note, color="#b03030", fontsize=9,
                    ha="center", va="bottom")
    xs = [x for x, *_ in nodes.values()]
    ys = [-y for _, y, *_ in nodes.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_title(title, fontsize=10, loc="left")
    ax.axis("off")


def render_png(arch, *, dpi=120):
    """PNG bytes of the three module graphs of `arch`, one panel per module (Figure 6 layout)."""
    plans = [(m.plan_module(getattr(arch, segment), kind, previous), title)
             for segment, kind, previous, title in PANELS]
    widths = [max(x for x, *_ in module_graph(plan)[0].values()) + 1.4 for plan, _ in plans]
    heights = [max(y for _, y, *_ in module_graph(plan)[0].values()) + 1.6 for plan, _ in plans]
    figure, axes = plt.subplots(len(plans), 1, figsize=(1.3 * max(widths), 0.7 * sum(heights) + 1),
                                gridspec_kw={"height_ratios": heights})
    for ax, (plan, title) in zip(axes, plans, strict=True):
        _draw_panel(ax, plan, title)
    if arch.description:
        figure.suptitle(arch.description[:120] + ("..." if len(arch.description) > 120 else ""),
                        fontsize=9)
    figure.text(0.01, 0.005, LEGEND, fontsize=8, ha="left", va="bottom")
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def draw_architecture(arch, path, *, dpi=120):
    """Writes the module graphs of `arch` to the PNG file `path` atomically."""
    with atomic_output(path, make_folder=True) as temporary:
        temporary.write_bytes(render_png(arch, dpi=dpi))
