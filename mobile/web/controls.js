// Sliders for every parameter of every step, ranges from filters.json (mobile/registry.py). A
// slider edits the step's human value in place and calls `onChange`; every value a slider can
// make is a valid program value (mobile/parameters.py):
//   scalar: the value in [low, high]; gamma: its logarithm in [ln low, ln high];
//   multipliers: ln(g/r) and ln(b/r) in [-log_range, log_range], luminance kept;
//   curve: each segment's slope in [low, high], the curve normalized to end at 1 (the
//   predictor's own t * 8 / sum(t)), so slope ratios stay within high / low.
import {formatFixed, printValue} from "./program.js";

const STEPS = 1000;  // slider positions across a range

function slider(label, low, high, value, show, onInput) {
  const row = document.createElement("label");
  row.className = "control";
  const name = document.createElement("span");
  name.textContent = label;
  const input = document.createElement("input");
  Object.assign(input, {type: "range", min: low, max: high, step: (high - low) / STEPS});
  input.value = value;
  const output = document.createElement("output");
  output.textContent = show();
  input.addEventListener("input", () => {
    onInput(Math.min(high, Math.max(low, Number(input.value))));
    output.textContent = show();
  });
  row.append(name, input, output);
  return row;
}

function scalarControls(control, params, changed) {
  const number = () => printValue(control, params[control.key]);
  if (control.kind === "scalar") {
    return [slider(control.key, control.low, control.high, params[control.key], number, (v) => {
      params[control.key] = v;
      changed();
    })];
  }
  const [low, high] = [Math.log(control.low), Math.log(control.high)];
  return [slider(control.key, low, high, Math.log(params[control.key]), number, (v) => {
    params[control.key] = Math.min(control.high, Math.max(control.low, Math.exp(v)));
    changed();
  })];
}

function multiplierControls(control, params, changed, luminance) {
  const lum = (m) => m.reduce((sum, v, c) => sum + v * luminance[c], 0);
  const range = control.log_range;
  return [1, 2].map((c) => {
    const show = () => formatFixed(params[control.key][c] / params[control.key][0],
                                   control.decimals);
    const value = Math.log(params[control.key][c] / params[control.key][0]);
    return slider(`${"rgb"[c]}/r`, -range, range, value, show, (v) => {
      const m = params[control.key];
      const ratios = [1, m[1] / m[0], m[2] / m[0]];
      ratios[c] = Math.exp(v);
      const scale = lum(m) / lum(ratios);
      params[control.key] = ratios.map((r) => r * scale);
      changed();
    });
  });
}

function curveControls(control, params, changed) {
  const n = control.segments;
  const curves = () => (control.channels === 1 ? [params[control.key]] : params[control.key]);
  // Unnormalized slopes t: the curve's slopes scaled to sit in [low, high] (their ratio fits).
  const t = curves().map((y) => {
    const slopes = y.slice(1).map((v, k) => n * (v - y[k]));
    const scale = Math.sqrt(control.low * control.high /
                            (Math.min(...slopes) * Math.max(...slopes)));
    return slopes.map((s) => Math.min(control.high, Math.max(control.low, s * scale)));
  });
  const rows = [];
  t.forEach((slopes, c) => {
    const group = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = control.channels === 1 ? "slopes" : `${"RGB"[c]} slopes`;
    group.append(summary);
    slopes.forEach((_, k) => {
      const show = () => { const y = curves()[c]; return formatFixed(n * (y[k + 1] - y[k]), control.decimals); };
      group.append(slider(`segment ${k + 1}`, control.low, control.high, slopes[k], show, (v) => {
        slopes[k] = v;
        const ends = [];
        let sum = 0;
        for (const s of slopes) { sum += s; ends.push(sum); }
        const y = [0, ...ends.map((e) => e / sum)];
        if (control.channels === 1) params[control.key] = y;
        else params[control.key] = params[control.key].map((old, i) => (i === c ? y : old));
        changed();
      }));
    });
    rows.push(group);
  });
  return rows;
}

/** Fills `form` with one fieldset per step; `onChange()` after every slider move. */
export function buildControls(form, steps, table, onChange) {
  form.replaceChildren();
  steps.forEach((step, s) => {
    const spec = table.filters[step.filter];
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = `${s + 1}. ${spec.title}`;
    fieldset.append(legend);
    fieldset.dataset.step = s;
    for (const control of spec.parameters) {
      const rows = control.kind === "multipliers"
        ? multiplierControls(control, step.params, onChange, table.luminance)
        : control.kind === "curve" ? curveControls(control, step.params, onChange)
          : scalarControls(control, step.params, onChange);
      fieldset.append(...rows);
    }
    form.append(fieldset);
  });
}
