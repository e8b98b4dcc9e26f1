// The retouch program in the browser: the project's program document (mobile/program.py) as a
// list of steps {filter, params} in human units, made from the predictor's outputs, turned into
// program.frag's uniforms, printed as in the Exposure paper's figures and written as JSON. The
// filters, their parameter kinds and ranges come from filters.json (mobile.bundle.web_filters,
// from mobile/registry.py); the conversions are those of mobile/parameters.py.

const FORMAT = "exposure-program";
const VERSION = 1;

/** `x` with `decimals` digits, rounded half to even on its exact binary value, as Python's
 * format(x, ".Nf") (and "+.Nf" with `sign`) prints it. */
export function formatFixed(x, decimals, sign = false) {
  const negative = x < 0 || Object.is(x, -0);
  const exact = Math.abs(x).toFixed(100);  // exact for every |x| >= 2^-47; smaller is 0 anyway
  const [whole, fraction] = exact.split(".");
  let kept = BigInt(whole + fraction.slice(0, decimals));
  const rest = fraction.slice(decimals);
  const half = "5".padEnd(rest.length, "0");
  if (rest > half || (rest === half && kept % 2n === 1n)) kept += 1n;
  const digits = kept.toString().padStart(decimals + 1, "0");
  const text = decimals > 0
    ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
  return (negative ? "-" : sign ? "+" : "") + text;
}

/** Human value of one control from its operator parameters (Kind.from_op). */
function fromOp(control, values) {
  if (control.kind === "scalar" || control.kind === "gamma") return values[0];
  if (control.kind === "multipliers") return Array.from(values);
  const curves = [];
  for (let c = 0; c < control.channels; ++c) {
    const ends = [];
    let sum = 0;
    for (const slope of values.slice(c * control.segments, (c + 1) * control.segments)) {
      sum += slope;
      ends.push(sum);
    }
    curves.push([0, ...ends.map((end) => end / sum)]);
  }
  return control.channels === 1 ? curves[0] : curves;
}

/** Number of operator parameters of one control. */
export function opSize(control) {
  if (control.kind === "multipliers") return 3;
  if (control.kind === "curve") return control.channels * control.segments;
  return 1;
}

/** Operator parameters of one control's human value (Kind.to_op). */
function toOp(control, value) {
  if (control.kind === "scalar" || control.kind === "gamma") return [value];
  if (control.kind === "multipliers") return value;
  const curves = control.channels === 1 ? [value] : value;
  return curves.flatMap((y) => y.slice(1).map((v, k) => control.segments * (v - y[k])));
}

/** The steps {filter, params} of the predictor's outputs (export.predictor.programs). */
export function stepsFromPredictor(outputs, sidecar, table) {
  const names = [...sidecar.filters].sort((a, b) => a.index - b.index).map((f) => f.name);
  const steps = [];
  for (let k = 0; k < sidecar.num_steps; ++k) {
    const name = names[outputs.filter_index[k]];
    if (name === undefined) {
      throw new Error(`filter_index[0, ${k}] = ${outputs.filter_index[k]} is not an index into ` +
                      `the ${names.length} filters`);
    }
    const params = {};
    let offset = k * sidecar.max_op_params;
    for (const control of table.filters[name].parameters) {
      const size = opSize(control);
      params[control.key] = fromOp(control, outputs.parameters.slice(offset, offset + size));
      offset += size;
    }
    steps.push({filter: name, params});
  }
  return steps;
}

/** program.frag's uniforms for `steps` (mobile.manifest.uniform_values). */
export function uniforms(steps, table) {
  const perStep = 4 * table.vec4_per_step;
  if (steps.length > table.max_steps) {
    throw new Error(`${steps.length} steps; program.frag renders at most ${table.max_steps}`);
  }
  const filter = new Int32Array(table.max_steps);
  const params = new Float32Array(table.max_steps * perStep);
  steps.forEach((step, s) => {
    const spec = table.filters[step.filter];
    filter[s] = spec.shader_id;
    params.set(spec.parameters.flatMap((c) => toOp(c, step.params[c.key])), s * perStep);
  });
  return {numSteps: steps.length, filter, params};
}

/** One control's value as the printed program writes it. */
export function printValue(control, value) {
  const number = (v) => formatFixed(v, control.decimals, control.sign);
  if (control.kind === "scalar") return number(value);
  if (control.kind === "gamma") return value < 1 ? `1/${number(1 / value)}` : number(value);
  const list = (values) => `(${values.map(number).join(", ")})`;
  if (control.kind === "multipliers" || control.channels === 1) return list(value);
  return value.map((curve, c) => `${"RGB"[c]} ${list(curve)}`).join(" ");
}

/** One step as the paper's figures print it ("Exposure +1.81", "Gamma 1/1.16"). */
export function printStep(step, table) {
  const spec = table.filters[step.filter];
  const parts = spec.parameters.map((c) => printValue(c, step.params[c.key]));
  return `${spec.title} ${parts.length === 1 ? parts[0] : `(${parts.join(", ")})`}`;
}

/** The printed program, one step per line (str(mobile.program.Program)). */
export function printProgram(steps, table) {
  return steps.map((step) => printStep(step, table)).join("\n");
}

function jsonValue(value) {
  return Array.isArray(value) ? `[${value.map(jsonValue).join(", ")}]` : JSON.stringify(value);
}

/** The program document's JSON text, one step per line (mobile.program.Program.to_json). */
export function programJson(steps) {
  const lines = steps.map((step) => "    {" + [["filter", step.filter],
    ...Object.entries(step.params)].map(([k, v]) => `"${k}": ${jsonValue(v)}`).join(", ") + "}");
  const body = lines.length ? `[\n${lines.join(",\n")}\n  ]` : "[]";
  return `{\n  "format": "${FORMAT}",\n  "version": ${VERSION},\n  "steps": ${body}\n}\n`;
}
