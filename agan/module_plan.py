"""The graph of an AGAN module derived from a segment: AGAN section 3.2, steps 1-5 and the four
heuristics. Pure Python (no TensorFlow), so tools that only draw or check graphs start fast.

A module takes the outputs of the two modules before it, ``h(i-1)`` ("prev") and ``h(i)`` ("input"):

1. ``x0 = h(i)``, ``x1 = o0(h(i-1))``; N = {x0, x1}.
2-4. For each i, the tensors of N selected by ``a(i)`` (x0 when ``a(i)`` is all zeros) are summed
   and ``o(i+1)`` of the sum is added to N as ``x(i+2)``.
5. The tensors of N that never served as an input ("loose ends") are concatenated.

Heuristics: (1) o0 re-samples like the previous module when that module re-samples, so x1 has the
resolution of x0; (2) in an up-sampling module the operations applied to x0 or x1 up-sample;
(3) in a down-sampling module the operations whose outputs are loose ends down-sample; (4) a 1x1
convolution maps the concatenation back to the module's channel count.

Where the paper leaves a case open, the plan decides (and `ModulePlan` records it):
- up-sampling module, an operation whose inputs mix x0/x1 (low resolution) with up-sampled tensors:
  the low-resolution inputs are nearest-neighbour up-sampled before the sum and the operation keeps
  its normal meaning;
- a loose end at the wrong resolution (x0 or x1 unused in an up- or down-sampling module, or x1 in a
  down-sampling module after o0 already matched h(i-1) to h(i)) is re-sampled without parameters
  (nearest-neighbour up-sampling, 2x2 average pooling) before the concatenation.

`agan.modules` builds the Keras layers from a `ModulePlan`.
"""
import dataclasses

UP = "up"
DOWN = "down"
NORMAL = "normal"
MODULE_KINDS = (UP, DOWN, NORMAL)
PREV = "prev"  # name of h(i-1), the input of o0, in `ModulePlan.edges`

_LEVEL_CHANGE = {UP: 1, DOWN: -1, NORMAL: 0}


@dataclasses.dataclass(frozen=True)
class Node:
    """Tensor ``x(index)`` of a module.

    op: the token producing it (None for x0, the module input h(i)).
    mode: meaning of `op`: "normal", "up" (2x larger output) or "down" (2x smaller output).
    inputs: indices of the tensors summed into `op` (empty for x0; x1 reads h(i-1) instead).
    upsampled_inputs: those of `inputs` nearest-neighbour up-sampled before the sum.
    level: resolution as a power of two relative to the module input (0, +1 or -1).
    """

    index: int
    op: str | None
    mode: str
    inputs: tuple
    upsampled_inputs: tuple
    level: int


@dataclasses.dataclass(frozen=True)
class ModulePlan:
    """The computation graph of one module, derived from a segment without building anything.

    nodes: x0, x1, ..., x(k+1) in order.
    loose_ends: indices concatenated into the output (step 5), ascending.
    resampled_loose_ends: ``{index: "up" | "down"}`` for loose ends re-sampled before concatenation.
    output_level: resolution of the output relative to the input (+1, -1 or 0).
    """

    kind: str
    previous: str | None
    nodes: tuple
    loose_ends: tuple
    resampled_loose_ends: dict
    output_level: int

    def edges(self):
        """``[(source, target)]``: source is PREV or a node index, target a node index or "concat"."""
        result = [(PREV, 1)]
        for node in self.nodes[2:]:
            result.extend((source, node.index) for source in node.inputs)
        result.extend((index, "concat") for index in self.loose_ends)
        return result


def plan_module(segment, kind, previous=None):
    """Derives the graph of a module of `kind` ("up", "down", "normal") from `segment`.

    `previous` is the re-sampling kind of the module that produced h(i) ("up" or "down"), or None
    when it keeps the resolution (or there is none); then h(i-1) has h(i)'s resolution.
    """
    if kind not in MODULE_KINDS:
        raise ValueError(f"module kind must be one of {MODULE_KINDS}, got {kind!r}")
    if previous not in (None, UP, DOWN):
        raise ValueError(f"previous must be None, {UP!r} or {DOWN!r}, got {previous!r}")
    selections = [tuple(j for j, bit in enumerate(vector) if bit) or (0,)
                  for vector in segment.adjacency]
    consumed = {j for selection in selections for j in selection}
    count = len(segment.ops) + 1
    loose_ends = tuple(j for j in range(count) if j not in consumed)
    output_level = _LEVEL_CHANGE[kind]

    x1_mode = previous or NORMAL
    if kind == DOWN and 1 in loose_ends and previous is None:
        x1_mode = DOWN  # heuristic 3: o0 is applied right before the concatenation
    nodes = [Node(0, None, NORMAL, (), (), 0),
             Node(1, segment.ops[0], x1_mode, (), (), -1 if x1_mode == DOWN and not previous else 0)]
    for i, (op, selection) in enumerate(zip(segment.ops[1:], selections, strict=True)):
        index = i + 2
        levels = {nodes[j].level for j in selection}
        upsampled = ()
        if kind == UP:
            if levels == {0}:
                mode = UP  # heuristic 2
            else:
                mode = NORMAL
                upsampled = tuple(j for j in selection if nodes[j].level == 0)
        elif kind == DOWN and index in loose_ends:
            mode = DOWN  # heuristic 3
        else:
            mode = NORMAL
        level = {UP: 1, DOWN: -1}.get(mode, 1 if kind == UP else 0)
        nodes.append(Node(index, op, mode, selection, upsampled, level))
    resampled = {}
    for j in loose_ends:
        difference = output_level - nodes[j].level
        if difference:
            resampled[j] = UP if difference > 0 else DOWN
    return ModulePlan(kind, previous, tuple(nodes), loose_ends, resampled, output_level)
