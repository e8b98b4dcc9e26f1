"""Headless Chromium for the camera web app tests (tests/mobile/test_web_app.py): the browser
(Debian `chromium` + `chromium-driver`, driven by selenium), a static file server on localhost
(what `python -m http.server` serves) and readers of the page's state.

`python -m tests.mobile.web_browser SITE PHOTO OUT.png` takes the screenshot of the page on a
photo (docs/images/camera_app.png).
"""
import base64
import contextlib
import functools
import http.server
import pathlib
import shutil
import sys
import threading
import time

import numpy as np
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

BROWSERS = ("chromium", "chromium-headless-shell", "google-chrome")
DRIVER = "chromedriver"
# Software WebGL2 (SwiftShader through ANGLE): Chromium no longer falls back to it on its own.
SOFTWARE_GL = ("--use-angle=swiftshader", "--enable-unsafe-swiftshader")
TIMEOUT_S = 60.0


def find_browser():
    """(browser, driver) paths, or None when either is not installed."""
    browser = next((path for path in map(shutil.which, BROWSERS) if path), None)
    driver = shutil.which(DRIVER)
    return (browser, driver) if browser and driver else None


def start_browser(downloads, *arguments, webgl=True, size=(1280, 900)):
    """A headless Chromium session; files the page saves land in `downloads`."""
    browser, driver = find_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={size[0]},{size[1]}",
                     *(SOFTWARE_GL if webgl else ("--disable-webgl2",)), *arguments):
        options.add_argument(argument)
    session = webdriver.Chrome(options=options, service=Service(driver))
    session.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(downloads)})
    return session


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder):
    """Serves `folder` on 127.0.0.1 (a free port) as `python -m http.server` does; yields the
    base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def wait_for(session, script, timeout=TIMEOUT_S):
    """Runs `script` (JS returning a value) until it is truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = session.execute_script(script)
        if value or time.monotonic() > deadline:
            assert value, f"timed out after {timeout} s waiting for: {script}"
            return value
        time.sleep(0.1)


def text(session, element_id):
    return session.find_element(By.ID, element_id).text


def open_app(session, url):
    """Loads the app; returns the error it shows, or "" once it is ready."""
    session.get(url)
    wait_for(session, "return window.exposureApp?.ready || !document.getElementById('error')"
                      ".hidden")
    return text(session, "error")


def pick_photo(session, path):
    """Picks the photo `path` with the page's file input; returns the error shown, or ""
    once the retouched image is shown."""
    session.execute_script("window.exposureApp.last = null")
    session.find_element(By.ID, "photo").send_keys(str(path))
    wait_for(session, "return window.exposureApp.last || !document.getElementById('error')"
                      ".hidden")
    return text(session, "error")


def _bytes(session, expression):
    """The bytes of a typed array `expression` evaluates to in the page."""
    encoded = session.execute_script(f"""
        const a = {expression};
        const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
        let s = "";
        for (let i = 0; i < bytes.length; i += 32768) {{
          s += String.fromCharCode(...bytes.subarray(i, i + 32768));
        }}
        return btoa(s);""")
    return base64.b64decode(encoded)


def rendered_image(session):
    """The canvas as the page drew it: uint8 [H, W, 3], top row first."""
    width, height = session.execute_script(
        "const c = document.getElementById('canvas'); return [c.width, c.height]")
    rgba = np.frombuffer(_bytes(session, "window.exposureApp.renderer.read()"), np.uint8)
    return rgba.reshape(height, width, 4)[::-1, :, :3]


def last_retouch(session):
    """The page's last thumbnail float32 [N, N, 3] and predictor outputs (numpy, shaped as the
    sidecar says)."""
    thumb = np.frombuffer(_bytes(session, "window.exposureApp.last.thumbnail"), np.float32)
    size = int(round((thumb.size / 3) ** 0.5))
    outputs = {}
    for name, dtype in (("filter_index", np.int32), ("parameters", np.float32),
                        ("probabilities", np.float32)):
        outputs[name] = np.frombuffer(
            _bytes(session, f"window.exposureApp.last.outputs.{name}"), dtype)
    return thumb.reshape(size, size, 3), outputs


def wait_for_download(folder, name, timeout=TIMEOUT_S):
    """The path of the finished download `name` in `folder`."""
    path = pathlib.Path(folder) / name
    deadline = time.monotonic() + timeout
    while not path.is_file() or (pathlib.Path(folder) / (name + ".crdownload")).exists():
        assert time.monotonic() < deadline, f"no download {name} in {folder}"
        time.sleep(0.1)
    return path


def screenshot(site, photo, output):
    """Saves a PNG of the app in `site` after retouching `photo` to `output`."""
    downloads = pathlib.Path(output).parent
    session = start_browser(downloads, size=(1100, 900))
    try:
        with serve(site) as url:
            error = open_app(session, url + "/") or pick_photo(session, photo)
            assert not error, error
            session.execute_script("document.querySelector('#controls details')?.setAttribute("
                                   "'open', '')")
            time.sleep(0.5)
            session.save_screenshot(str(output))
    finally:
        session.quit()


if __name__ == "__main__":
    screenshot(*sys.argv[1:4])
