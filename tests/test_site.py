"""The site: it builds from the stored outputs with no warning, and it works in a real browser.

The book is built once (module fixture) into a temporary folder with ``-W -n --keep-going``; then
headless Chromium (Debian's ``chromium``) opens the index and every page of the table of contents
over a loopback HTTP server and we check what a reader would see: the title, figures that load,
no JavaScript errors that matter, and a working search. Screenshots of two pages are saved in
``_build/screenshots/``.
"""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--enable-logging=stderr", "--v=0"]
# Console messages that do not hurt a reader. The site loads MathJax, require.js and the widget
# manager from CDNs, which the offline test machine cannot reach; Jupyter Book 1.x declares
# THEBE_JS_URL twice on the search page (harmless, upstream bug).
HARMLESS = re.compile(r"ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|"
                      r"ERR_ADDRESS_UNREACHABLE|ERR_NETWORK_ACCESS_DENIED|cdn\.|unpkg\.com|"
                      r"jsdelivr|THEBE_JS_URL|require\.js|requirejs|mathjax|MathJax|"
                      r"@jupyter-widgets|html-manager")


def toc_files() -> list[str]:
    """Every document named in _toc.yml, without its extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


def chapter_pages() -> list[str]:
    return [f for f in toc_files() if f.startswith("notebooks/")]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the book once, failing on any warning, and return the html folder."""
    out = tmp_path_factory.mktemp("site")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out),
                           "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return out / "_build" / "html"


@pytest.fixture(scope="module")
def server(site):
    """Serve the built site on a free loopback port."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def browse(url: str, tmp_path: Path, *extra: str) -> tuple[str, str]:
    """Open ``url`` in headless Chromium; return the DOM after scripts ran, and the log."""
    assert CHROMIUM, "Chromium is needed for the site tests: `apt-get install chromium` " \
                     "(make test installs it on Debian/Ubuntu)."
    profile = tmp_path / "profile"
    proc = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--virtual-time-budget=5000", *extra, url],
                          capture_output=True, text=True, timeout=120)
    shutil.rmtree(profile, ignore_errors=True)
    return proc.stdout, proc.stderr


def console_errors(log: str) -> list[str]:
    lines = [line for line in log.splitlines()
             if ":CONSOLE" in line or "Failed to load resource" in line]
    bad = [line for line in lines
           if ("Uncaught" in line or "Error" in line or "Failed to load" in line)
           and not HARMLESS.search(line)]
    return bad


# ------------------------------------------------------------------------------ build
def test_every_chapter_notebook_is_in_the_toc():
    listed = set(toc_files())
    notebooks = {f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("Chapter*.ipynb")}
    assert notebooks <= listed, f"notebooks missing from _toc.yml: {sorted(notebooks - listed)}"


def test_every_toc_page_is_built(site):
    assert (site / "index.html").exists()
    for name in toc_files():
        assert (site / f"{name}.html").exists(), f"{name}.html was not built"


@pytest.mark.parametrize("name", chapter_pages())
def test_chapter_pages_have_launch_buttons_and_figures(site, name):
    html = (site / f"{name}.html").read_text()
    assert "colab.research.google.com/github/pytorch-step-by-step/book/blob/v0.1.0/" in html
    assert "mybinder.org/v2/gh/pytorch-step-by-step/book/v0.1.0" in html
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    figures = [src for src in images if "_images/" in src]
    assert figures, f"{name} shows no figure"
    for src in figures:
        assert (site / name).parent.joinpath(src).resolve().is_file(), f"{name}: missing {src}"


# ---------------------------------------------------------------------------- browser
@pytest.mark.parametrize("name", toc_files())
def test_page_in_a_browser(server, tmp_path, name):
    url = f"{server}/{name}.html"
    dom, log = browse(url, tmp_path, "--dump-dom")
    assert "<title>" in dom, f"{url} did not render"
    title = re.search(r"<title>(.*?)</title>", dom, flags=re.S).group(1)
    assert "PyTorch, step by step" in title
    assert re.search(r"<h1[^>]*>", dom), f"{url} has no heading"
    assert not console_errors(log), "\n".join(console_errors(log))


def test_search_finds_pages(server, tmp_path):
    dom, log = browse(f"{server}/search.html?q=gradient", tmp_path, "--dump-dom")
    found = re.search(r"found (\d+) page", dom)
    assert found and int(found.group(1)) >= 1, "the site search found nothing for 'gradient'"


def test_screenshots_of_two_pages(server, tmp_path):
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    pages = ["book/intro"] + chapter_pages()[:1]
    for name in pages:
        target = shots / f"{name.replace('/', '_')}.png"
        browse(f"{server}/{name}.html", tmp_path, f"--screenshot={target}",
               "--window-size=1280,1600")
        assert target.is_file() and target.stat().st_size > 20_000, f"no screenshot of {name}"
