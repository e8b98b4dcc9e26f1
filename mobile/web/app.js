// The camera app: a camera frame or a picked photo -> the predictor's program (LiteRT.js) ->
// the full-resolution image through program.frag (WebGL2), sliders per step parameter, and the
// image (JPEG) and program (JSON, loadable by exposure_apply) to save. `window.exposureApp.last`
// holds the last retouch (thumbnail, predictor outputs, name) and `.renderer` the renderer, for
// inspection from the console.
import {checkSize, decodeFile, grabFrame, linearTexture, PhotoError, thumbnail} from "./photo.js";
import {loadPredictor, ModelError} from "./predictor.js";
import {printProgram, programJson, stepsFromPredictor, uniforms} from "./program.js";
import {buildControls} from "./controls.js";
import {ProgramRenderer, RenderError} from "./renderer.js";

const ui = Object.fromEntries(["status", "error", "camera", "pick", "photo", "live", "video",
  "capture", "result", "canvas", "program", "controls", "save-image", "save-program", "reset"]
    .map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), document.getElementById(id)]));
const app = {ready: false, last: null};
window.exposureApp = app;
let renderer; let predictor; let table; let current;  // current: {name, stem, modelSteps, steps}
let stream = null;

function status(text) {
  ui.status.textContent = text;
}

function showError(error) {
  ui.error.textContent = error.message ?? String(error);
  ui.error.hidden = false;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = "";
}

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}; the site is incomplete`);
  return response.text();
}

let drawPending = false;
function render() {
  ui.program.textContent = printProgram(current.steps, table);
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    renderer.draw(uniforms(current.steps, table));
  });
}

function showSteps(steps) {
  current.steps = steps;
  buildControls(ui.controls, steps, table, render);
  ui.program.textContent = printProgram(steps, table);
  renderer.draw(uniforms(steps, table));
}

/** Retouches an 8-bit frame {width, height, rgba} called `name`. */
async function retouch(frame, name) {
  clearError();
  checkSize(frame, predictor.size, name);
  status(`Retouching ${name} (${frame.width} x ${frame.height})…`);
  const thumb = thumbnail(frame, predictor.size);
  const outputs = await predictor.run(thumb);
  const modelSteps = stepsFromPredictor(outputs, predictor.sidecar, table);
  renderer.setImage(linearTexture(frame), frame.width, frame.height);
  current = {name, stem: name.replace(/\.[^.]*$/, ""), modelSteps};
  showSteps(structuredClone(modelSteps));
  ui.result.hidden = false;
  app.last = {name, width: frame.width, height: frame.height, thumbnail: thumb, outputs};
  status(`${name} (${frame.width} x ${frame.height}): the model's program below; move the ` +
         "sliders to change it.");
}

async function guarded(action) {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof PhotoError || error instanceof RenderError)) console.error(error);
    showError(error);
    status("Ready: take or pick a photo.");
  }
}

function stopCamera() {
  stream?.getTracks().forEach((track) => track.stop());
  stream = null;
  ui.live.hidden = true;
}

const CAMERA_ERRORS = {
  NotAllowedError: "Camera permission was refused: allow the camera for this site in the " +
    "browser's site settings, or pick a photo instead",
  NotFoundError: "No camera found on this device: pick a photo instead",
  OverconstrainedError: "No camera found on this device: pick a photo instead",
  NotReadableError: "The camera is in use by another app, or the system blocked it",
};

async function openCamera() {
  clearError();
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new PhotoError("The camera needs a secure page: open the app over https or on " +
                         "localhost (this page is " + location.origin + ")");
  }
  try {
    // Rear camera on phones, its largest frames.
    stream = await navigator.mediaDevices.getUserMedia({audio: false, video: {
      facingMode: {ideal: "environment"}, width: {ideal: 4096}, height: {ideal: 4096}}});
  } catch (error) {
    throw new PhotoError(CAMERA_ERRORS[error.name] ?? `The camera did not open: ${error.message}`);
  }
  ui.video.srcObject = stream;
  ui.live.hidden = false;
  await ui.video.play();
  status("Camera on: press “Retouch this frame”.");
}

function download(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

function wire() {
  ui.camera.addEventListener("click", () => guarded(openCamera));
  ui.capture.addEventListener("click", () => guarded(async () => {
    const frame = grabFrame(ui.video);
    stopCamera();
    const time = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "_");
    await retouch(frame, `camera_${time}.jpg`);
  }));
  ui.photo.addEventListener("change", () => guarded(async () => {
    const file = ui.photo.files[0];
    ui.photo.value = "";
    if (!file) return;
    stopCamera();
    await retouch(await decodeFile(file), file.name);
  }));
  ui.saveImage.addEventListener("click", () => {
    ui.canvas.toBlob((blob) => download(blob, `${current.stem}_retouched.jpg`), "image/jpeg",
                     0.95);
  });
  ui.saveProgram.addEventListener("click", () => {
    download(new Blob([programJson(current.steps)], {type: "application/json"}),
             `${current.stem}_retouched.json`);
  });
  ui.reset.addEventListener("click", () => showSteps(structuredClone(current.modelSteps)));
}

async function start() {
  wire();
  try {
    const [vertex, fragment, filters] = await Promise.all([
      fetchText("shaders/fullscreen.vert"), fetchText("shaders/program.frag"),
      fetchText("filters.json")]);
    table = JSON.parse(filters);
    renderer = new ProgramRenderer(ui.canvas, {vertex, fragment});
    app.renderer = renderer;
    status("Loading the model…");
    predictor = await loadPredictor();
  } catch (error) {
    if (!(error instanceof ModelError || error instanceof RenderError)) console.error(error);
    showError(error);
    status("The app cannot run here.");
    return;
  }
  ui.camera.disabled = false;
  ui.photo.disabled = false;
  ui.pick.removeAttribute("aria-disabled");
  app.ready = true;
  status("Ready: take or pick a photo.");
}

// Offline use: the service worker keeps every file of the site (https or localhost only).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js").catch((error) => console.warn("offline cache", error));
}
start();
