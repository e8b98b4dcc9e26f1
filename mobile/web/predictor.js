// The exported predictor (export/predictor.py) run by LiteRT.js on its WASM (CPU) backend: one
// call maps the linear thumbnail to the program's filter indices and operator parameters. The
// sidecar beside the .tflite (export/sidecar.py) names the model file, input and outputs.
import {loadAndCompile, loadLiteRt, Tensor} from "./litert/core/index.js";

const SIDECAR = "model/predictor.tflite.json";
const SIGNATURE = "predict";  // export/predictor.py SIGNATURE
const TFLITE_IDENTIFIER = "TFL3";  // bytes 4..8 of a TFLite flatbuffer

/** The model is missing or not an exported predictor. */
export class ModelError extends Error {}

async function fetchOk(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ModelError(`${url}: cannot be fetched (${error.message})`);
  }
  if (!response.ok) {
    throw new ModelError(`${url}: missing (HTTP ${response.status}); rebuild the site with ` +
                         "mobile_bundle --tflite or --model_dir");
  }
  return response;
}

function checkSidecar(sidecar) {
  if (sidecar?.format !== "exposure-predictor" || sidecar.version !== 1) {
    throw new ModelError(`${SIDECAR}: not a version-1 exposure-predictor sidecar ` +
                         `(format ${JSON.stringify(sidecar?.format)})`);
  }
  if (sidecar.runtime !== "tflite") {
    throw new ModelError(`${SIDECAR}: describes a ${sidecar.runtime} model, not a .tflite`);
  }
  const [input] = sidecar.inputs;
  const [batch, height, width, channels] = input.shape;
  if (batch !== 1 || height !== width || channels !== 3) {
    throw new ModelError(`${SIDECAR}: input ${input.name} shape ${input.shape}; expected ` +
                         "[1, N, N, 3]");
  }
}

/** A loaded predictor: `sidecar`, `size` (thumbnail side) and `run(thumbnail)`. */
export class Predictor {
  constructor(sidecar, model) {
    this.sidecar = sidecar;
    this.model = model;
    this.input = sidecar.inputs[0];
    this.size = this.input.shape[1];
    this.filterNames = [...sidecar.filters].sort((a, b) => a.index - b.index)
        .map((entry) => entry.name);
  }

  /** Runs the model on float32 [1, size, size, 3]: {filter_index, parameters, probabilities},
   * each a flat typed array (shapes in the sidecar's outputs). */
  async run(thumbnail) {
    const input = new Tensor(thumbnail, this.input.shape);
    let outputs;
    try {
      outputs = await this.model.run(SIGNATURE, {[this.input.name]: input});
    } finally {
      input.delete();
    }
    const result = {};
    for (const {name} of this.sidecar.outputs) {
      result[name] = outputs[name].toTypedArray().slice();
      outputs[name].delete();
    }
    return result;
  }
}

/** Loads the sidecar, the model it names and the LiteRT.js runtime; ModelError naming the file
 * when the model is missing or not an exported .tflite predictor. */
export async function loadPredictor() {
  const sidecarResponse = await fetchOk(SIDECAR);
  let sidecar;
  try {
    sidecar = await sidecarResponse.json();
  } catch (error) {
    throw new ModelError(`${SIDECAR}: not valid JSON (${error.message})`);
  }
  checkSidecar(sidecar);
  const modelUrl = `model/${sidecar.model_file}`;
  const bytes = new Uint8Array(await (await fetchOk(modelUrl)).arrayBuffer());
  const identifier = String.fromCharCode(...bytes.subarray(4, 8));
  if (identifier !== TFLITE_IDENTIFIER) {
    throw new ModelError(`${modelUrl}: not a TFLite model (no ${TFLITE_IDENTIFIER} identifier ` +
                         "at byte 4)");
  }
  await loadLiteRt("litert/wasm/");
  let model;
  try {
    model = await loadAndCompile(bytes, {accelerator: "wasm"});
  } catch (error) {
    throw new ModelError(`${modelUrl}: LiteRT.js cannot load it (${error.message ?? error})`);
  }
  if (!(SIGNATURE in model.signatures)) {
    throw new ModelError(`${modelUrl}: no "${SIGNATURE}" signature (found ` +
                         `${Object.keys(model.signatures).join(", ")}); export it with ` +
                         "exposure_export");
  }
  return new Predictor(sidecar, model);
}
