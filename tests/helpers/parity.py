"""Agreement of an exported predictor's programs with the reference (TF) predictor's.

Once two programs choose different filters at a step, their later states differ and so do later
choices and parameters, so parameters are compared only on the steps before the first
disagreement (the agreeing prefix).
"""
import dataclasses

import numpy as np

from mobile import program as program_lib


@dataclasses.dataclass(frozen=True)
class Parity:
    """`images`: images compared; `step_agreement`: fraction of (image, step) filter choices equal
    to the reference's; `program_agreement`: fraction of images whose whole filter sequence is
    equal; `max_param_error` / `mean_param_error`: absolute operator-parameter error on the
    agreeing prefixes (valid entries only, operator units); `prefix_steps`: steps compared."""

    images: int
    step_agreement: float
    program_agreement: float
    max_param_error: float
    mean_param_error: float
    prefix_steps: int


def compare(reference, candidate, filter_names):
    """Parity of `candidate` outputs against `reference` outputs.

    Args:
      reference, candidate: lists (one entry per call) of output dicts with "filter_index"
        [B, S] and "parameters" [B, S, K] (see `export.predictor`).
      filter_names: the filters the indices point into.
    """
    ref_index = np.concatenate([np.asarray(r["filter_index"]) for r in reference])
    cand_index = np.concatenate([np.asarray(c["filter_index"]) for c in candidate])
    ref_params = np.concatenate([np.asarray(r["parameters"], np.float64) for r in reference])
    cand_params = np.concatenate([np.asarray(c["parameters"], np.float64) for c in candidate])
    if ref_index.shape != cand_index.shape:
        raise ValueError(f"filter_index shapes differ: reference {ref_index.shape}, candidate "
                         f"{cand_index.shape}")
    same = ref_index == cand_index
    prefix = np.cumprod(same, axis=1).astype(bool)
    errors = []
    for b, k in zip(*np.nonzero(prefix), strict=True):
        width = program_lib.num_op_params(filter_names[ref_index[b, k]])
        errors.append(np.abs(ref_params[b, k, :width] - cand_params[b, k, :width]))
    errors = np.concatenate(errors) if errors else np.zeros(0)
    return Parity(
        images=int(ref_index.shape[0]),
        step_agreement=float(same.mean()),
        program_agreement=float(same.all(axis=1).mean()),
        max_param_error=float(errors.max()) if errors.size else float("nan"),
        mean_param_error=float(errors.mean()) if errors.size else float("nan"),
        prefix_steps=int(prefix.sum()),
    )
