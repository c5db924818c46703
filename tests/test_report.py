"""report.html: self-contained, escaped, the right table per folder kind; CLI errors; a browser."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import optcompare
from optcompare import output, report
from optcompare.errors import RunError
from optcompare.report import REPORT, build_report, write_report

HOSTILE = "<script>alert(1)</script>"


def figure_bytes(fmt: str, color: str = "tab:blue") -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=60)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2, 3], [3, 1, 2, 0], color=color, linewidth=3)
    ax.set_title(f"a {fmt} figure")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def make_folder(path: Path, summary: dict, figures: dict[str, bytes] | None = None,
                lesson: str | None = None) -> Path:
    """A run folder written the way commands write them (with a manifest)."""
    files = {"summary.json": lambda p: p.write_text(json.dumps(summary))}
    for name, data in (figures or {}).items():
        files[name] = lambda p, data=data: p.write_bytes(data)
    if lesson is not None:
        files["lesson.md"] = lambda p: p.write_text(lesson, encoding="utf-8")
    return output.write_folder(path, path, files)


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text of <script> elements."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def table_rows(page: str) -> int:
    m = re.search(r'<table id="summary">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert m, "no summary table"
    return m.group(1).count("<tr")


def assert_self_contained(page: str) -> None:
    assert "http://" not in page and "https://" not in page
    tags = Tags(page)
    assert not tags.named("link") and not tags.named("iframe") and not tags.named("object")
    assert all((a.get("src") or "").startswith("data:image/") for a in tags.named("img"))
    assert all("src" not in a for a in tags.named("script"))
    assert len(tags.named("script")) == 1
    csp = [a["content"] for a in tags.named("meta")
           if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'; img-src data:;")


# --- the three kinds of folder, from real commands ---------------------------------------------

def test_report_of_a_run_folder_embeds_every_figure(cli, tmp_path):
    code, _, err = cli("run", "--opt", "sgd:lr=0.002,momentum=0.9", "--opt", "adam:lr=0.05",
                       "--problem", "rosenbrock", "--steps", "50", "--out", "r", "-q")
    assert code == 0, err
    code, out, err = cli("report", "r")
    assert code == 0, err
    assert out.strip() == f"wrote {Path('r', REPORT)}"
    folder = tmp_path / "r"
    page = (folder / REPORT).read_text(encoding="utf-8")
    assert_self_contained(page)
    images = Tags(page).named("img")
    assert len(images) == 2
    for attrs, name in zip(images, ["loss.png", "path.png"], strict=True):
        assert base64.b64decode(attrs["src"].split(",", 1)[1]) == (folder / name).read_bytes()
        assert name in attrs["alt"]
    assert table_rows(page) == 2
    assert "<h1>rosenbrock</h1>" in page
    doc = json.loads((folder / "summary.json").read_text())
    assert f"<pre><code>{doc['command']}</code></pre>" in page
    assert f"optcompare {optcompare.__version__}" in page and f"numpy {doc['numpy_version']}" in page
    assert REPORT in (folder / output.MANIFEST).read_text().split()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [output.MANIFEST]


def test_a_new_run_into_the_folder_removes_the_stale_report(cli, tmp_path):
    args = ("run", "--opt", "adam", "--problem", "sphere", "--steps", "5", "--out", "r", "-q",
            "--no-plot")
    assert cli(*args)[0] == 0
    assert cli("report", "r", "-q") == (0, f"{Path('r', REPORT)}\n", "")
    assert cli(*args)[0] == 0
    assert not (tmp_path / "r" / REPORT).exists()  # it would describe the earlier run


def test_several_seeds_give_one_row_per_optimizer_with_medians(cli, tmp_path):
    code, _, err = cli("run", "--opt", "sgd", "--opt", "adam", "--opt", "rmsprop", "--problem",
                       "noisy-quadratic", "--steps", "20", "--seeds", "4", "--out", "r",
                       "--no-plot", "-q")
    assert code == 0, err
    page = build_report(tmp_path / "r")
    assert table_rows(page) == 3
    assert "Medians over 4 seeds" in page and "4 seeds" in page and "25-75%" in page


def test_sweep_folder_shows_the_best_table(cli, tmp_path):
    code, _, err = cli("sweep", "--opt", "sgd", "--opt", "sgd:dampening=0.5", "--problem",
                       "quadratic",
                       "--param", "lr=1e-3:1:4:log", "--param", "momentum=0|0.9",
                       "--steps", "20", "--out", "s", "--no-plot", "-q")
    assert code == 0, err
    page = build_report(tmp_path / "s")
    assert table_rows(page) == 2
    for header in ("best lr", "best momentum", "median final loss"):
        assert f">{header}</th>" in page
    assert "optcompare · sweep" in page and "This folder has no figures" in page


def test_basins_folder_shows_the_fractions(cli, tmp_path):
    code, _, err = cli("basins", "--opt", "sgd:lr=0.01", "--opt", "adam:lr=0.1", "--problem",
                       "himmelblau", "--grid", "5", "--steps", "30", "--out", "b", "--no-plot",
                       "-q")
    assert code == 0, err
    page = build_report(tmp_path / "b")
    assert table_rows(page) == 2
    assert ">(3, 2)</th>" in page and ">diverged</th>" in page
    assert re.search(r'<td class="num">\d+\.\d%</td>', page)


# --- what the page shows, from made-up folders --------------------------------------------------

RUN = {
    "optcompare_version": "0.1.0", "numpy_version": "2.0.0",
    "command": "optcompare run --opt adam --problem rosenbrock",
    "problem": {"spec": "rosenbrock", "f_star": 0.0}, "steps": 10, "tol": 1e-6, "seeds": 1,
    "aggregates": [{"label": "adam", "runs": 1}],
    "runs": [{"label": "adam", "final_loss": 0.5, "best_loss": 0.25,
              "distance_to_minimum": 0.1, "steps_to_tol": None, "diverged": False},
             {"label": "sgd", "final_loss": None, "best_loss": 2.0,
              "distance_to_minimum": None, "steps_to_tol": None, "diverged": 7}],
}


def test_hostile_text_is_escaped_everywhere(tmp_path):
    doc = json.loads(json.dumps(RUN))
    doc["runs"][0]["label"] = HOSTILE
    doc["problem"]["spec"] = '<img src=x onerror="alert(2)">'
    doc["command"] = "optcompare run </code></pre><script>alert(3)</script>"
    doc["numpy_version"] = "<b>2</b>"
    lesson = (f"## {HOSTILE}\n\nText with <iframe src=javascript:alert(4)> and **{HOSTILE}**\n\n"
              f"- `{HOSTILE}`\n\n```\n</pre>{HOSTILE}\n```\n"
              "![x](https://example.com/x.png) [link](javascript:alert(5))\n")
    name = 'a"><svg onload=alert(6)>.png'
    folder = make_folder(tmp_path / "h", doc, {name: figure_bytes("png")}, lesson)
    page = build_report(folder)
    tags = Tags(page)
    assert [t for t, _ in tags.tags if t in {"iframe", "svg", "a", "b"}] == []
    assert len(tags.named("script")) == 1 and "alert" not in "".join(tags.scripts)
    assert all(not k.startswith("on") for _, attrs in tags.tags for k in attrs)
    assert all((a.get("src") or "").startswith("data:image/") for a in tags.named("img"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in page
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert "&lt;b&gt;2&lt;/b&gt;" in page
    assert "https://" not in "".join(str(v) for _, a in tags.tags for v in a.values())


def test_lesson_title_is_the_page_title_and_its_text_is_rendered(tmp_path):
    lesson = "# Why **momentum** helps\n\nThe valley is *narrow*.\n\n## Look at\n\n1. the loss\n"
    page = build_report(make_folder(tmp_path / "l", RUN, {"loss.png": figure_bytes("png")},
                                    lesson))
    assert "<h1>Why <strong>momentum</strong> helps</h1>" in page
    assert "<title>Why momentum helps · optcompare</title>" in page
    assert '<section class="lesson">\n<p>The valley is <em>narrow</em>.</p>\n<h2>Look at</h2>' \
        in page
    assert "problem rosenbrock" in page  # the problem, no longer the title, is in the facts


def test_one_row_per_run_and_missing_values_shown_as_dashes(tmp_path):
    page = build_report(make_folder(tmp_path / "r", RUN))
    assert table_rows(page) == 2
    assert ">at step 7</td>" in page and "<td class=\"num\">–</td>" in page
    assert "This folder has no figures" in page


def test_svg_is_embedded_as_an_image_and_pdf_is_listed(tmp_path):
    svg = figure_bytes("svg")
    folder = make_folder(tmp_path / "f", RUN, {"loss.svg": svg, "path.pdf": figure_bytes("pdf"),
                                               "extra.png": figure_bytes("png")})
    page = build_report(folder)
    srcs = [a["src"] for a in Tags(page).named("img")]
    assert srcs == [f"data:image/svg+xml;base64,{base64.b64encode(svg).decode()}",
                    f"data:image/png;base64,{base64.b64encode(figure_bytes('png')).decode()}"]
    assert "<svg" not in page  # never inline: an SVG in <img> cannot run scripts
    assert "cannot show" in page and "<code>path.pdf</code>" in page
    assert_self_contained(page)


def test_figures_follow_the_manifest_then_other_images_by_name(tmp_path):
    folder = make_folder(tmp_path / "o", RUN, {"path.png": figure_bytes("png"),
                                               "loss.png": figure_bytes("png")})
    (folder / "b-mine.png").write_bytes(figure_bytes("png", "red"))
    (folder / "a-mine.png").write_bytes(figure_bytes("png", "green"))
    (folder / ".hidden.png").write_bytes(figure_bytes("png"))
    contents = report.read_folder(folder)
    assert [n for n, _ in contents.figures] == ["path.png", "loss.png", "a-mine.png", "b-mine.png"]


@pytest.mark.parametrize("doc", [
    {},
    {"runs": "not a list", "problem": 3, "aggregates": [1, None]},
    {"best": [{"label": ["x"], "lr": "fast"}], "parameters": None, "seeds": True},
    {"optimizers": [{"label": 1, "fractions": {"minimum 9": 0.5}}], "problem": {"minima": 1}},
], ids=["empty", "wrong-types-run", "wrong-types-sweep", "wrong-types-basins"])
def test_an_odd_summary_still_gives_a_page(doc):
    page = report.render_report(report.FolderContents(folder="odd", summary=doc))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_build_report_writes_nothing_and_write_report_replaces_atomically(tmp_path):
    folder = make_folder(tmp_path / "w", RUN, {"loss.png": figure_bytes("png")})
    before = sorted(p.name for p in folder.iterdir())
    build_report(folder)
    assert sorted(p.name for p in folder.iterdir()) == before
    path = write_report(folder)
    assert path == folder / REPORT and path.read_text(encoding="utf-8") == build_report(folder)
    write_report(folder)
    manifest = (folder / output.MANIFEST).read_text().split()
    assert manifest.count(REPORT) == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, REPORT])


def test_a_failed_write_leaves_the_folder_as_it_was(tmp_path):
    folder = make_folder(tmp_path / "x", RUN)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def fail(path):
        path.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(RunError, match="No space left on device"):
        output.add_file(folder, REPORT, fail)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# --- markdown -----------------------------------------------------------------------------------

MARKDOWN = [
    ("one\nparagraph\n\nanother", "<p>one paragraph</p>\n<p>another</p>"),
    ("# top\n## two\n### three", "<h2>top</h2>\n<h2>two</h2>\n<h3>three</h3>"),
    ("- a\n- b\n  continued\n* c", "<ul><li>a</li><li>b continued</li><li>c</li></ul>"),
    ("3. x\n4) y", '<ol start="3"><li>x</li><li>y</li></ol>'),
    ("text\n- item", "<p>text</p>\n<ul><li>item</li></ul>"),
    ("```python\nx = 1 < 2\n\n**no**\n```", "<pre><code>x = 1 &lt; 2\n\n**no**</code></pre>"),
    ("```\nunclosed", "<pre><code>unclosed</code></pre>"),
    ("use `a*b*c` and `<b>`", "<p>use <code>a*b*c</code> and <code>&lt;b&gt;</code></p>"),
    ("**bold**, __bold__, *it*", "<p><strong>bold</strong>, <strong>bold</strong>, <em>it</em></p>"),
    ("2*3*4 and a * b * c", "<p>2*3*4 and a * b * c</p>"),
    ("<b>x</b> & 'q'", "<p>&lt;b&gt;x&lt;/b&gt; &amp; &#x27;q&#x27;</p>"),
    ("#not a heading", "<p>#not a heading</p>"),
]


@pytest.mark.parametrize(("text", "html"), MARKDOWN, ids=[t[:16] for t, _ in MARKDOWN])
def test_markdown_subset(text, html):
    assert report.render_markdown(text) == html


# --- errors -------------------------------------------------------------------------------------

def _file(tmp_path):
    (tmp_path / "afile").write_text("x")


def _empty(tmp_path):
    (tmp_path / "empty").mkdir()


def _corrupt(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "summary.json").write_text('{"runs": [1, 2,')


def _a_list(tmp_path):
    (tmp_path / "l").mkdir()
    (tmp_path / "l" / "summary.json").write_text("[1, 2]")


def _binary(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "summary.json").write_bytes(b"\xff\xfe\x00garbage")


ERRORS = [
    (None, ["report"], "Missing argument 'RUN_DIR'"),
    (None, ["report", "nowhere"], "'nowhere' does not exist; expected an optcompare run folder"),
    (_file, ["report", "afile"], "'afile' is not a folder; expected an optcompare run folder"),
    (_empty, ["report", "empty"], "'empty' is not an optcompare run folder (no summary.json)"),
    (_corrupt, ["report", "c"], f"'{Path('c', 'summary.json')}' is not valid JSON (line 1, "),
    (_a_list, ["report", "l"], "is not an optcompare summary (expected a JSON object)"),
    (_binary, ["report", "bin"], f"'{Path('bin', 'summary.json')}' is not valid JSON"),
]


@pytest.mark.parametrize(("setup", "args", "message"), ERRORS, ids=[m[:30] for *_, m in ERRORS])
def test_report_errors_exit_2_with_one_line(cli, tmp_path, setup, args, message):
    if setup:
        setup(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert message in lines[0]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_report_help_has_examples(cli):
    code, out, _ = cli("report", "-h")
    assert code == 0 and "Usage" in out and "Examples" in out and "RUN_DIR" in out


# --- a real browser -----------------------------------------------------------------------------

def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _headless(browser: str, tmp: Path, *args: str) -> str:
    """Run headless chromium with no network, profile or GPU; return what it printed."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--hide-scrollbars",
           f"--user-data-dir={tmp / 'profile'}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90,
                          env={"HOME": str(tmp), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_page_in_a_real_browser(cli, tmp_path):
    """Chromium decodes every figure, shows the table, and paints a page that is not blank."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    from matplotlib.image import imread

    code, _, err = cli("run", "--opt", "sgd:lr=0.002,momentum=0.9", "--opt", "adam:lr=0.05",
                       "--opt", "rmsprop", "--problem", "rosenbrock", "--steps", "100",
                       "--out", "r", "--no-plot", "-q")
    assert code == 0, err
    folder = tmp_path / "r"
    for name, data in [("loss.png", figure_bytes("png")), ("path.svg", figure_bytes("svg")),
                       ("extra.png", figure_bytes("png", "tab:orange"))]:
        output.add_file(folder, name, lambda p, data=data: p.write_bytes(data))
    output.add_file(folder, "lesson.md", lambda p: p.write_text(
        f"# A lesson\n\nSee **both** figures.\n\n- {HOSTILE}\n", encoding="utf-8"))
    url = write_report(folder).resolve().as_uri()

    dom = _headless(browser, tmp_path, "--virtual-time-budget=5000", "--dump-dom", url)
    body = re.search(r"<body[^>]*>", dom)
    assert body and 'data-images-ok="3/3"' in body.group(0), body
    assert table_rows(dom) == 3
    assert "<h1>A lesson</h1>" in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom

    shot = tmp_path / "shot.png"
    _headless(browser, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert shot.is_file() and shot.stat().st_size > 20_000
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels.std() > 0.05  # not a blank page
