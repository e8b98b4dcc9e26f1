"""The camera web app (mobile/web/, written by `mobile_bundle --model_dir`) in a real headless
Chromium: its thumbnail, predictor outputs and rendered image against the Python pipeline
(exposure.data.area_resize, ai_edge_litert, mobile.render), the fake camera, the sliders and the
saved program (applied by exposure_apply), offline use, and each bad input's message.

One browser session for the module (software WebGL2: SwiftShader), a tiny trained model
(tests/export/conftest.py) and a small built-in photo. Skipped only without Chromium and its
driver (Debian `chromium chromium-driver`, installed by .ci/run).
"""
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from export import predictor as predictor_lib
from export.tflite import TFLitePredictor
from exposure import builtin_data, image_io
from exposure.data import area_resize
from mobile import bundle, manifest
from mobile import program as program_lib
from mobile.render import render
from tests.codes import assert_codes_match
from tests.helpers.random_programs import random_program
from tests.mobile import web_browser

pytestmark = pytest.mark.skipif(
    web_browser.find_browser() is None,
    reason="headless Chromium and chromedriver are not installed (Debian: apt-get install "
           "chromium chromium-driver)")

# The page renders in a float32 WebGL2 shader (SwiftShader here), whose pow/exp/log are not
# numpy's: like tests/mobile/gl_test_shaders.py, the promise is within one output code
# everywhere. Which values land on the other side of a rounding boundary grows with the
# program's slope: 289 of 53,223 values (0.54%) on CI's machine after a slider pushed to its end.
SHADER_OFF_BY_ONE_FRACTION = 0.05

PHOTO_SIZE = (157, 113)  # width, height: odd, so the thumbnail's area weights are fractional
CAMERA_SIZE = (160, 120)


def _display(program, linear):
    """mobile.render's 8-bit display codes of `program` on `linear` [H, W, 3]."""
    return np.rint(np.clip(render(program, linear), 0.0, 1.0) * 255.0).astype(np.uint8)


@pytest.fixture(scope="module")
def files(tmp_path_factory, model_dir):
    """The site (built by the command from a tiny trained model), broken copies of it, a test
    photo and a fake-camera video, all under one served root."""
    root = tmp_path_factory.mktemp("web_app")
    site = root / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mobile.cli.bundle", f"--output_dir={site}",
         f"--model_dir={model_dir}"], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr
    missing = root / "missing_model"
    shutil.copytree(site, missing)
    (missing / "model" / "predictor.tflite").unlink()
    wrong = root / "wrong_model"
    shutil.copytree(site, wrong)
    (wrong / "model" / "predictor.tflite").write_bytes(b"<html>not a model</html>\n" * 4)
    source = Image.open(builtin_data.INPUT_PHOTOS[0].path()).convert("RGB")
    photo = root / "photo.png"
    source.resize(PHOTO_SIZE, Image.LANCZOS).save(photo)
    camera_png = root / "camera.png"
    source.resize(CAMERA_SIZE, Image.LANCZOS).save(camera_png)
    camera = root / "camera.y4m"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(camera_png), "-pix_fmt",
                    "yuv420p", "-frames:v", "1", str(camera)], check=True, timeout=60)
    small = root / "small.png"
    source.resize((40, 30)).save(small)
    not_image = root / "notes.jpg"
    not_image.write_text("a text file with an image's name\n")
    downloads = root / "downloads"
    downloads.mkdir()
    return {"root": root, "site": site, "photo": photo, "camera": camera, "small": small,
            "not_image": not_image, "downloads": downloads}


@pytest.fixture(scope="module")
def url(files):
    with web_browser.serve(files["root"]) as base:
        yield base


@pytest.fixture(scope="module")
def browser(files):
    session = web_browser.start_browser(
        files["downloads"], "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={files['camera']}")
    yield session
    session.quit()


@pytest.fixture
def page(browser, url):
    """The app at /site/, loaded and ready."""
    assert web_browser.open_app(browser, f"{url}/site/") == ""
    return browser


def test_photo_is_retouched_as_the_python_pipeline_does(page, files):
    assert web_browser.pick_photo(page, files["photo"]) == ""
    thumb, outputs = web_browser.last_retouch(page)
    linear = image_io.read_linear(files["photo"])
    np.testing.assert_allclose(thumb, area_resize(linear, 64), rtol=1e-6, atol=1e-7)
    tflite = TFLitePredictor(files["site"] / "model" / "predictor.tflite")
    want = tflite(thumb[None])
    np.testing.assert_array_equal(outputs["filter_index"], want["filter_index"].ravel())
    for name in ("parameters", "probabilities"):
        np.testing.assert_allclose(outputs[name], want[name].ravel(), rtol=1e-5, atol=1e-6)
    sidecar = json.loads((files["site"] / "model" / "predictor.tflite.json").read_text())
    names = [f["name"] for f in sorted(sidecar["filters"], key=lambda f: f["index"])]
    [program] = predictor_lib.programs(want, names)
    assert web_browser.text(page, "program") == str(program)
    assert_codes_match(web_browser.rendered_image(page), _display(program, linear),
                       max_fraction=SHADER_OFF_BY_ONE_FRACTION)


def test_slider_changes_the_image_and_the_saved_program(page, files):
    assert web_browser.pick_photo(page, files["photo"]) == ""
    before_text = web_browser.text(page, "program")
    before = web_browser.rendered_image(page)
    page.execute_script("document.querySelectorAll('#controls details').forEach("
                        "(d) => d.setAttribute('open', ''))")
    # A slider at a parameter the image barely depends on (the tiny model's own decisions: a
    # step already at its range end, or on clipped pixels) moves it little: push the sliders to
    # an end in turn until one visibly changes the image.
    sliders = page.find_elements(By.CSS_SELECTOR, "#controls input[type=range]")
    moves = [(slider, key, end) for slider in sliders
             for key, end in ((Keys.END, "max"), (Keys.HOME, "min"))]
    change = 0
    for slider, key, end in moves:
        if slider.get_attribute("value") == slider.get_attribute(end):
            continue
        shown = web_browser.text(page, "program")
        slider.send_keys(key)
        web_browser.wait_for(page, f"return document.getElementById('program').textContent "
                                   f"!== {json.dumps(shown)}")
        after = web_browser.rendered_image(page)
        change = np.abs(after.astype(int) - before).max()
        if change > 8:
            break
    assert change > 8
    page.find_element(By.ID, "save-program").click()
    saved = program_lib.load(web_browser.wait_for_download(files["downloads"],
                                                           "photo_retouched.json"))
    assert str(saved) == web_browser.text(page, "program") != before_text
    applied = files["root"] / "applied.png"
    result = subprocess.run(
        [sys.executable, "-m", "exposure.cli.apply",
         f"--program={files['downloads'] / 'photo_retouched.json'}",
         f"--input={files['photo']}", f"--output={applied}", "--noprogress"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert_codes_match(after, np.asarray(Image.open(applied).convert("RGB")),
                       max_fraction=SHADER_OFF_BY_ONE_FRACTION)
    page.find_element(By.ID, "save-image").click()
    jpeg = np.asarray(Image.open(web_browser.wait_for_download(files["downloads"],
                                                              "photo_retouched.jpg")))
    # Quality 0.95 with 4:2:0 chroma on a small, detailed photo: 6.4 codes mean difference.
    assert jpeg.shape == after.shape and np.abs(jpeg.astype(float) - after).mean() < 10


def _camera_permission(session, url, setting):
    """Answers the page's camera prompt with `setting` ("granted" or "denied"), as a user."""
    session.execute_cdp_cmd("Browser.setPermission", {
        "permission": {"name": "camera"}, "setting": setting, "origin": url})


def test_fake_camera_frame_is_retouched(page, url):
    page.execute_script("window.exposureApp.last = null")
    _camera_permission(page, url, "granted")
    try:
        page.find_element(By.ID, "camera").click()
        web_browser.wait_for(page, "return document.getElementById('video').videoWidth > 0")
        page.find_element(By.ID, "capture").click()
    finally:
        page.execute_cdp_cmd("Browser.resetPermissions", {})
    web_browser.wait_for(page, "return window.exposureApp.last")
    assert web_browser.text(page, "error") == ""
    last = page.execute_script("const l = window.exposureApp.last; return [l.width, l.height]")
    assert tuple(last) == CAMERA_SIZE
    assert len(web_browser.text(page, "program").splitlines()) == 5
    image = web_browser.rendered_image(page)
    assert image.shape == (CAMERA_SIZE[1], CAMERA_SIZE[0], 3) and image.std() > 10


def test_page_prints_converts_and_writes_programs_as_python(page):
    """program.js on random programs of every filter: the printed form, the JSON document and
    the uniforms equal mobile.program's and mobile.manifest's."""
    rng = np.random.default_rng(3)
    programs = [random_program(rng) for _ in range(20)]
    # Exact halves, which Python's format rounds to even (0.125 -> "0.12", 1.625 -> "1.62").
    programs.append(program_lib.Program.from_json(json.dumps({
        "format": "exposure-program", "version": 1, "steps": [
            {"filter": "tone_curve", "points": [k / 8 for k in range(9)]},
            {"filter": "exposure", "ev": -0.125}, {"filter": "level", "low": 0.375, "high": 1.625}]})))
    result = page.execute_async_script("""
        const [documents, done] = arguments;
        Promise.all([import('./program.js'), fetch('filters.json').then((r) => r.json())])
          .then(([program, table]) => done(documents.map((d) => {
            const steps = d.steps.map(({filter, ...params}) => ({filter, params}));
            const u = program.uniforms(steps, table);
            return {text: program.printProgram(steps, table), json: program.programJson(steps),
                    filter: Array.from(u.filter), params: Array.from(u.params),
                    numSteps: u.numSteps};
          }))).catch((error) => done(String(error.stack)));""", [p.to_dict() for p in programs])
    assert isinstance(result, list), result
    for program, got in zip(programs, result, strict=True):
        assert got["text"] == str(program)
        assert program_lib.Program.from_json(got["json"]) == program
        want = manifest.uniform_values(program)
        assert got["numSteps"] == want["u_num_steps"]
        np.testing.assert_array_equal(got["filter"], want["u_filter"])
        np.testing.assert_array_equal(np.float32(got["params"]), want["u_params"].ravel())


def test_bad_photos_and_camera_refused_show_messages(page, url, files):
    assert re.search(r"notes\.jpg: not an image this browser can decode",
                     web_browser.pick_photo(page, files["not_image"]))
    assert re.search(r"small\.png is 40 x 30 pixels; the predictor needs at least 64 x 64",
                     web_browser.pick_photo(page, files["small"]))
    _camera_permission(page, url, "denied")
    try:
        page.find_element(By.ID, "camera").click()
        web_browser.wait_for(page, "return !document.getElementById('error').hidden")
        assert "Camera permission was refused" in web_browser.text(page, "error")
    finally:
        page.execute_cdp_cmd("Browser.resetPermissions", {})


def test_missing_and_wrong_model_show_messages(browser, url):
    assert re.search(r"model/predictor\.tflite: missing \(HTTP 404\)",
                     web_browser.open_app(browser, f"{url}/missing_model/"))
    assert re.search(r"model/predictor\.tflite: not a TFLite model",
                     web_browser.open_app(browser, f"{url}/wrong_model/"))


def test_no_webgl2_shows_message(files, url):
    session = web_browser.start_browser(files["downloads"], webgl=False)
    try:
        assert "This browser has no WebGL2" in web_browser.open_app(session, f"{url}/site/")
    finally:
        session.quit()


def test_works_offline_once_loaded(browser, files):
    with web_browser.serve(files["site"]) as base:  # its own origin, so its own worker
        assert web_browser.open_app(browser, base + "/") == ""
        web_browser.wait_for(browser, "return navigator.serviceWorker.controller !== null")
    assert web_browser.open_app(browser, base + "/") == ""  # the server is gone
    assert web_browser.pick_photo(browser, files["photo"]) == ""
    assert web_browser.text(browser, "program")


def test_command_refuses_bad_inputs(tmp_path, files):
    model = files["site"] / "model" / "predictor.tflite"
    with pytest.raises(ValueError, match="no LiteRT.js runtime"):
        bundle.write_web_app(tmp_path / "a", model, litertjs_dir=tmp_path)
    fake = tmp_path / "fake.tflite"
    fake.write_bytes(b"not a model at all")
    shutil.copy(manifest.sidecar_path(model), manifest.sidecar_path(fake))
    with pytest.raises(ValueError, match="fake.tflite: not a TFLite model"):
        bundle.write_web_app(tmp_path / "b", fake)
    with pytest.raises(ValueError, match="an input inside the output folder"):
        bundle.write_web_app(files["site"], model)
    result = subprocess.run([sys.executable, "-m", "mobile.cli.bundle", "--output_dir=x",
                             f"--tflite={fake}", f"--model_dir={tmp_path}"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "give one" in result.stderr
    result = subprocess.run([sys.executable, "-m", "mobile.cli.bundle",
                             f"--output_dir={tmp_path / 'c'}", f"--tflite={fake}"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "fake.tflite: not a TFLite model" in result.stderr
    assert "Traceback" not in result.stderr
