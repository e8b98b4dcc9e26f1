"""SavedModel export for TF Serving: photos in, program and retouched photo out.

Layout: `BASE/<version>/` (saved_model.pb, variables/), the `model_base_path` layout TF Serving
watches; versions are positive integers and a new export takes the next one. Signatures:

* "serving_default": `image_bytes` tf.string [B], each a JPEG or PNG (8-bit sRGB; also GIF/BMP).
  Returns "filter_index" int32 [B, S], "parameters" float32 [B, S, 24] (operator units, see
  `export.predictor`), "probabilities" float32 [B, S, F], "program_json" tf.string [B] (the
  program document, `mobile.program` format, human units) and "retouched_png_bytes" tf.string [B]
  (the retouched photo at full resolution, 8-bit PNG; the "_bytes" suffix makes TF Serving's REST
  API return it as {"b64": ...}). Undecodable bytes raise InvalidArgumentError
  naming the problem; nothing crashes.
* "image_tensor": `image_tensor` uint8 [B, H, W, 3] sRGB; same program outputs and
  "retouched_image" uint8 [B, H, W, 3].

Each photo goes the way `exposure_retouch` takes it: JPEG bytes decoded as Pillow decodes them
(`decode`; EXIF orientation is not applied), 8-bit sRGB mapped to linear RGB with the
IEC 61966-2-1 curve (a 256-entry table from `mobile.srgb`), the whole frame resized to 64x64
by the exact area average (`tf.image.resize(method="area")`), five deterministic decisions, and the program rendered on the full-resolution linear image
with the filter layers; the result (display-encoded values) is clipped to [0, 1] and rounded to
8 bits.
"""
import base64
import pathlib

import numpy as np
import tensorflow as tf

from export import predictor as predictor_lib
from export import program_json
from exposure import agent as agent_lib
from exposure import networks
from mobile.atomic import atomic_output
from mobile.srgb import srgb_to_linear

BYTES_INPUT = "image_bytes"
TENSOR_INPUT = "image_tensor"


def decode(data):
    """One encoded photo (tf.string) -> uint8 [H, W, 3]. JPEGs are decoded with libjpeg's accurate
    integer IDCT, as Pillow (and so exposure_apply and exposure_retouch) decodes them; other
    formats by tf.io.decode_image."""
    return tf.cond(
        tf.io.is_jpeg(data),
        lambda: tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE"),
        lambda: tf.io.decode_image(data, channels=3, dtype=tf.uint8, expand_animations=False))


def _srgb8_table():
    """float32 [256]: the linear value of each 8-bit sRGB code."""
    return srgb_to_linear(np.arange(256, dtype=np.float32) / 255.0)


class ServingModule(tf.Module):
    """The agent with both serving signatures (see the module docstring)."""

    def __init__(self, agent):
        super().__init__(name="exposure_serving")
        # Only the weights are tracked (see export.predictor.Predictor).
        self.weights = [weight.value for weight in agent.policy.weights]
        self.filter_names = tuple(agent.filter_names)
        policy, filters, num_steps = agent.policy, agent.filters, int(agent.num_steps)
        names = self.filter_names
        offsets = policy.param_offsets
        table = tf.constant(_srgb8_table())

        def retouch(image):
            """One uint8 [H, W, 3] sRGB photo -> program tensors ([S, ...]) and uint8 image."""
            linear = tf.gather(table, tf.cast(image, tf.int32))
            thumb = tf.image.resize(linear[None], [networks.IMAGE_SIZE, networks.IMAGE_SIZE],
                                    method="area")
            decisions = agent_lib.rollout(policy, filters, thumb, num_steps)
            out = {k: v[0] for k, v in predictor_lib.program_tensors(decisions, names).items()}
            out["program_json"] = program_json.program_json(
                out["filter_index"], out["parameters"], names)
            rendered = linear[None]
            for k in range(num_steps):
                raw = decisions["raw_parameters"][:, k]
                branches = [
                    (lambda i=i, img=rendered, raw=raw: filters[i](
                        img, raw[:, offsets[i]:offsets[i + 1]]))
                    for i in range(len(filters))]
                rendered = tf.switch_case(decisions["filter_index"][0, k], branches)
            out["image"] = tf.cast(tf.round(tf.clip_by_value(rendered[0], 0.0, 1.0) * 255.0),
                                   tf.uint8)
            return out

        # Traced once, shared by both signatures.
        retouch = tf.function(retouch, input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])

        num_filters, width = len(names), predictor_lib.MAX_OP_PARAMS
        program_signature = {
            "filter_index": tf.TensorSpec([num_steps], tf.int32),
            "parameters": tf.TensorSpec([num_steps, width], tf.float32),
            "probabilities": tf.TensorSpec([num_steps, num_filters], tf.float32),
            "program_json": tf.TensorSpec([], tf.string),
        }

        def from_bytes(image_bytes):
            def one(data):
                out = retouch(decode(data))
                out["retouched_png_bytes"] = tf.io.encode_png(out.pop("image"))
                return out

            return tf.map_fn(one, image_bytes, fn_output_signature=dict(
                program_signature, retouched_png_bytes=tf.TensorSpec([], tf.string)))

        def from_tensor(image_tensor):
            outputs = tf.map_fn(retouch, image_tensor, fn_output_signature=dict(
                program_signature, image=tf.TensorSpec([None, None, 3], tf.uint8)))
            outputs["retouched_image"] = outputs.pop("image")
            return outputs

        self.serving_default = tf.function(from_bytes, input_signature=[
            tf.TensorSpec([None], tf.string, name=BYTES_INPUT)])
        self.image_tensor = tf.function(from_tensor, input_signature=[
            tf.TensorSpec([None, None, None, 3], tf.uint8, name=TENSOR_INPUT)])

    def signatures(self):
        """{signature name: concrete function} for `tf.saved_model.save`."""
        return {"serving_default": self.serving_default.get_concrete_function(),
                "image_tensor": self.image_tensor.get_concrete_function()}


def next_version(base_dir):
    """The next free version under `base_dir`: 1 + the largest integer folder name (1 if none)."""
    base_dir = pathlib.Path(base_dir)
    versions = [int(p.name) for p in base_dir.iterdir() if p.is_dir() and p.name.isdigit()] \
        if base_dir.is_dir() else []
    return max(versions, default=0) + 1


def export(model_dir, base_dir, version=None):
    """Exports a trained model directory as `base_dir/<version>/` for TF Serving.

    Args:
      version: a positive integer; None takes `next_version(base_dir)`. An existing version is
        never overwritten (FileExistsError).

    Returns:
      the version folder (pathlib.Path). It appears complete or not at all (written beside it
      under a temporary name, then renamed).
    """
    base_dir = pathlib.Path(base_dir)
    if version is None:
        version = next_version(base_dir)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"version: expected a positive integer, got {version!r}")
    target = base_dir / str(version)
    if target.exists():
        raise FileExistsError(f"{target}: version {version} already exists; TF Serving versions "
                              f"are immutable, export a new version")
    module = ServingModule(agent_lib.load_agent(model_dir))
    with atomic_output(target, make_folder=True) as temporary:
        tf.saved_model.save(module, str(temporary), signatures=module.signatures())
    return target


def _from_json_value(value, path):
    """A REST JSON value with TF Serving's binary convention: {"b64": text} -> bytes."""
    if isinstance(value, dict):
        if set(value) != {"b64"} or not isinstance(value["b64"], str):
            raise ValueError(f"{path}: a binary value must be {{\"b64\": \"<base64>\"}}, "
                             f"got keys {sorted(value)}")
        try:
            return base64.b64decode(value["b64"], validate=True)
        except ValueError as error:
            raise ValueError(f"{path}.b64: not valid base64 ({error})") from error
    if isinstance(value, list):
        return [_from_json_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def rest_request_inputs(body, input_names):
    """The signature inputs of a TF Serving REST predict request body in the row ("instances")
    format, decoded as the server does: each instance is the value of the single input (or an
    object keyed by input names), `{"b64": ...}` values become bytes, instances are batched.

    Args:
      body: the parsed JSON request (a dict).
      input_names: the signature's input names, e.g. ("image_bytes",).

    Returns:
      {input name: list of per-instance values}, ready for `tf.constant`. ValueError names the
      bad part of the body.
    """
    if not isinstance(body, dict) or not isinstance(body.get("instances"), list):
        raise ValueError('request: expected {"instances": [...]}')
    inputs = {name: [] for name in input_names}
    for i, instance in enumerate(body["instances"]):
        path = f"instances[{i}]"
        named = isinstance(instance, dict) and set(instance) <= set(input_names) and instance
        if not named:
            if len(input_names) != 1:
                raise ValueError(f"{path}: expected an object with the inputs {list(input_names)}")
            instance = {input_names[0]: instance}
        missing = set(input_names) - set(instance)
        if missing:
            raise ValueError(f"{path}: missing inputs {sorted(missing)}")
        for name in input_names:
            inputs[name].append(_from_json_value(instance[name], f"{path}.{name}"))
    return inputs


def rest_response(outputs):
    """A TF Serving REST response body {"predictions": [...]} (one object per instance) from
    signature outputs (a dict of batched tensors/arrays), encoded as the server encodes them:
    string outputs whose name ends in "_bytes" as {"b64": ...}, other strings as UTF-8 text."""
    arrays = {k: np.asarray(v) for k, v in outputs.items()}
    batch = len(next(iter(arrays.values())))

    def plain(name, value):
        if isinstance(value, bytes):
            if name.endswith("_bytes"):
                return {"b64": base64.b64encode(value).decode("ascii")}
            return value.decode("utf-8")
        return value.tolist() if isinstance(value, np.ndarray | np.generic) else value

    return {"predictions": [{k: plain(k, v[b]) for k, v in arrays.items()}
                            for b in range(batch)]}
