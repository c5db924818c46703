"""report.html: self-contained, escaped, the right table per folder kind; CLI errors; a browser."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import optcompare
from optcompare import output, report
from optcompare.errors import RunError
from optcompare.plotting import LOSS_FLOOR
from optcompare.report import REPORT, build_report, write_report
from optcompare.summary.documents import compact

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


def make_folder(
    path: Path, summary: dict, figures: dict[str, bytes] | None = None, lesson: str | None = None
) -> Path:
    """A run folder written the way commands write them (with a manifest)."""
    files = {"summary.json": lambda p: p.write_text(json.dumps(summary))}
    for name, data in (figures or {}).items():
        files[name] = lambda p, data=data: p.write_bytes(data)
    if lesson is not None:
        files["lesson.md"] = lambda p: p.write_text(lesson, encoding="utf-8")
    return output.write_folder(path, path, output.Contents("run", files))


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


@dataclass
class HtmlTable:
    """A <table> as a browser reads it: class, caption, header texts, and body rows."""

    css_class: str
    caption: str = ""
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    #: (tag, class attribute) of every header and body cell, in document order
    cells: list[tuple[str, str]] = field(default_factory=list)


class Tables(HTMLParser):
    """Every <table> of a page, its cells as text (entities decoded, inner markup dropped)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self._part = ""
        self._text: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append(HtmlTable(a.get("class") or ""))
        elif tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr" and self._part == "tbody":
            self.tables[-1].rows.append([])
        elif tag in ("th", "td", "caption"):
            self._text = []
            if tag != "caption":
                self.tables[-1].cells.append((tag, a.get("class") or ""))

    def handle_endtag(self, tag):
        if tag in ("th", "td", "caption") and self._text is not None:
            text, self._text = "".join(self._text), None
            table = self.tables[-1]
            if tag == "caption":
                table.caption = text
            elif self._part == "thead":
                table.head.append(text)
            else:
                table.rows[-1].append(text)

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def of(self, css_class: str) -> list[HtmlTable]:
        return [t for t in self.tables if t.css_class == css_class]


def table_rows(page: str) -> int:
    """Rows of the page's first result table."""
    results = Tables(page).of("summary")
    assert results, "no result table"
    return len(results[0].rows)


def assert_self_contained(page: str) -> None:
    assert "http://" not in page and "https://" not in page
    tags = Tags(page)
    assert not tags.named("link") and not tags.named("iframe") and not tags.named("object")
    assert all((a.get("src") or "").startswith("data:image/") for a in tags.named("img"))
    assert all("src" not in a for a in tags.named("script"))
    assert len(tags.named("script")) == 1
    csp = [
        a["content"] for a in tags.named("meta") if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and csp[0].startswith("default-src 'none'; img-src data:;")


# --- the three kinds of folder, from real commands ---------------------------------------------


def test_report_of_a_run_folder_embeds_every_figure(cli, tmp_path):
    code, _, err = cli(
        "run",
        "--opt",
        "sgd:lr=0.002,momentum=0.9",
        "--opt",
        "adam:lr=0.05",
        "--problem",
        "rosenbrock",
        "--steps",
        "50",
        "--out",
        "r",
        "-q",
    )
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
    assert (
        f"optcompare {optcompare.__version__}" in page and f"numpy {doc['numpy_version']}" in page
    )
    assert REPORT in output.own_files(folder)
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [output.MANIFEST]


def test_a_new_run_into_the_folder_removes_the_stale_report(cli, tmp_path):
    args = (
        "run",
        "--opt",
        "adam",
        "--problem",
        "sphere",
        "--steps",
        "5",
        "--out",
        "r",
        "-q",
        "--no-plot",
    )
    assert cli(*args)[0] == 0
    assert cli("report", "r", "-q") == (0, f"{Path('r', REPORT)}\n", "")
    assert cli(*args)[0] == 0
    assert not (tmp_path / "r" / REPORT).exists()  # it would describe the earlier run


def test_several_seeds_give_one_row_per_optimizer_with_medians(cli, tmp_path):
    code, _, err = cli(
        "run",
        "--opt",
        "sgd",
        "--opt",
        "adam",
        "--opt",
        "rmsprop",
        "--problem",
        "noisy-quadratic",
        "--steps",
        "20",
        "--seeds",
        "4",
        "--out",
        "r",
        "--no-plot",
        "-q",
    )
    assert code == 0, err
    page = build_report(tmp_path / "r")
    assert table_rows(page) == 3
    (table,) = Tables(page).of("summary")
    assert "medians over 4 seeds per optimizer" in table.caption
    assert "final loss 25%..75%" in table.head and "4 seeds" in page


def test_sweep_folder_shows_the_best_table(cli, tmp_path):
    code, _, err = cli(
        "sweep",
        "--opt",
        "sgd",
        "--opt",
        "sgd:dampening=0.5",
        "--problem",
        "quadratic",
        "--param",
        "lr=1e-3:1:4:log",
        "--param",
        "momentum=0|0.9",
        "--steps",
        "20",
        "--out",
        "s",
        "--no-plot",
        "-q",
    )
    assert code == 0, err
    page = build_report(tmp_path / "s")
    assert table_rows(page) == 2
    for header in ("best lr", "best momentum", "median final loss"):
        assert f">{header}</th>" in page
    assert "optcompare · sweep" in page and "This folder has no figures" in page


def test_basins_folder_shows_every_outcome_that_summary_json_names(cli, tmp_path):
    code, _, err = cli(
        "basins",
        "--opt",
        "sgd:lr=0.01",
        "--opt",
        "adam:lr=0.1",
        "--problem",
        "himmelblau",
        "--grid",
        "5",
        "--steps",
        "30",
        "--out",
        "b",
        "--no-plot",
        "-q",
    )
    assert code == 0, err
    doc = json.loads((tmp_path / "b" / "summary.json").read_text())
    (table,) = Tables(build_report(tmp_path / "b")).of("summary")
    assert table.head == ["outcome", "sgd lr=0.01", "adam lr=0.1"]
    outcomes = list(doc["optimizers"][0]["fractions"])
    # whatever names basins gives them; a listed minimum's row also shows its point
    points = {m["name"]: m["x"] for m in doc["problem"]["minima"] if "name" in m}
    assert [row[0].split(" at (")[0] for row in table.rows] == outcomes
    for row in table.rows:
        if row[0] in points or " at (" in row[0]:
            x, y = points[row[0].split(" at (")[0]]
            assert row[0].endswith(f" at ({compact(x, 3)}, {compact(y, 3)})")
    for j, entry in enumerate(doc["optimizers"], start=1):
        shares = [float(row[j].rstrip("%")) for row in table.rows]
        assert shares == [round(100 * entry["fractions"][k], 1) for k in outcomes]
        assert sum(shares) == pytest.approx(100, abs=0.1 * len(shares))


# --- the terminal and the page show one table ----------------------------------------------------


def notes_after(page: str) -> list[str]:
    """The notes under the first result table, as text."""
    m = re.search(r'<table class="summary">.*?</div>((?:\n<p class="note">.*?</p>)*)', page, re.S)
    assert m
    return [unescape(n) for n in re.findall(r'<p class="note">(.*?)</p>', m.group(1))]


def assert_terminal_shows(out: str, table: HtmlTable, notes: list[str]) -> None:
    """The plain-text terminal output holds the same caption, header words, rows and notes."""
    text = " ".join(out.split())
    assert " ".join(table.caption.split()) in text
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("─"))
    top = max(i for i in range(rule) if not lines[i].strip())  # the header lines follow it
    header = [w for line in lines[top + 1 : rule] for w in line.split()]
    assert sorted(header) == sorted(w for h in table.head for w in h.split())
    i = rule + 1
    for row in table.rows:  # a long label wraps onto the next lines; the numbers never wrap
        k = len(" ".join(row[1:]).split())
        words = lines[i].split()
        assert words[-k:] == " ".join(row[1:]).split()
        label = words[:-k]
        i += 1
        while " ".join(label) != row[0] and lines[i].strip():
            label += lines[i].split()
            i += 1
        assert " ".join(label) == row[0]
    for note in notes:
        assert " ".join(note.split()) in text


def test_a_4_seed_run_shows_the_same_numbers_in_the_terminal_report_and_summary(cli, tmp_path):
    code, out, err = cli(
        "run",
        "--opt",
        "sgd",
        "--opt",
        "adam",
        "--problem",
        "rosenbrock",
        "--seeds",
        "4",
        "--jitter",
        "0.3",
        "--report",
        "--out",
        "r",
    )
    assert code == 0, err
    doc = json.loads((tmp_path / "r" / "summary.json").read_text())
    page = (tmp_path / "r" / REPORT).read_text(encoding="utf-8")
    (table,) = Tables(page).of("summary")
    # summary.json's aggregates, each formatted once by the one formatter
    expected = [
        [
            a["label"],
            compact(a["final_loss_median"], 4),
            f"{compact(a['final_loss_q25'], 3)}..{compact(a['final_loss_q75'], 3)}",
            compact(a["distance_to_minimum_median"], 3),
            f"{a['reached_tol']}/4",
            f"{a['diverged']}/4",
        ]
        for a in doc["aggregates"]
    ]
    assert table.rows == expected
    assert table.head == [
        "optimizer",
        "median final loss",
        "final loss 25%..75%",
        "median dist. to min",
        "reached tol",
        "diverged",
    ]
    assert "medians over 4 seeds per optimizer" in table.caption
    assert "starts jittered by 0.3" in table.caption
    assert_terminal_shows(out, table, notes_after(page))
    # and those aggregates are the medians of the runs that summary.json lists
    for a in doc["aggregates"]:
        finals = [r["final_loss"] for r in doc["runs"] if r["label"] == a["label"]]
        assert len(finals) == 4 and a["diverged"] == 0
        assert a["final_loss_median"] == pytest.approx(np.median(finals), rel=1e-12)
        assert (a["final_loss_q25"], a["final_loss_q75"]) == pytest.approx(
            tuple(np.quantile(finals, [0.25, 0.75])), rel=1e-12
        )


@pytest.mark.parametrize(
    "args",
    [
        [
            "--opt",
            "sgd:lr=0.01",
            "--opt",
            "adam",
            "--steps",
            "50",
            "--seeds",
            "2",
            "--jitter",
            "0.3",
        ],
        ["--opt", "sgd:lr=0.01", "--opt", "adam:lr=0.05", "--steps", "50"],
        ["--opt", "sgd", "--opt", "rmsprop", "--steps", "30", "--seeds", "3", "--tune"],
    ],
    ids=["diverged-seeds", "diverged-one-seed", "tuned"],
)
def test_terminal_and_report_agree_with_notes(cli, tmp_path, args):
    code, out, err = cli(
        "run", *args, "--problem", "rosenbrock", "--report", "--out", "r", "--no-plot"
    )
    assert code == 0, err
    page = (tmp_path / "r" / REPORT).read_text(encoding="utf-8")
    (table,) = Tables(page).of("summary")
    notes = notes_after(page)
    assert_terminal_shows(out, table, notes)
    if "--tune" in args:
        assert all(row[0].endswith("(tuned)") for row in table.rows)
        assert any(n.startswith("lr tuned") for n in notes)
    else:
        # one note per label, however many of its seeds diverged
        said = [n for n in notes if n.startswith("sgd lr=0.01") and "diverged" in n]
        assert len(said) == 1 and ("--seeds" not in args or "2 of 2 runs diverged" in said[0])
        assert "inf" in table.rows[0][1] or "at step" in table.rows[0][-1]


# --- what the page shows, from made-up folders --------------------------------------------------

RUN = {
    "optcompare_version": "0.1.0",
    "numpy_version": "2.0.0",
    "command": "optcompare run --opt adam --problem rosenbrock",
    "problem": {"spec": "rosenbrock", "f_star": 0.0},
    "steps": 10,
    "tol": 1e-6,
    "seeds": 1,
    "aggregates": [{"label": "adam", "runs": 1}],
    "runs": [
        {
            "label": "adam",
            "final_loss": 0.5,
            "best_loss": 0.25,
            "distance_to_minimum": 0.1,
            "steps_to_tol": None,
            "diverged": False,
        },
        {
            "label": "sgd",
            "final_loss": None,
            "best_loss": 2.0,
            "distance_to_minimum": None,
            "steps_to_tol": None,
            "diverged": 7,
        },
    ],
}


def test_hostile_text_is_escaped_everywhere(tmp_path):
    doc = json.loads(json.dumps(RUN))
    doc["runs"][0]["label"] = HOSTILE
    doc["problem"]["spec"] = '<img src=x onerror="alert(2)">'
    doc["command"] = "optcompare run </code></pre><script>alert(3)</script>"
    doc["numpy_version"] = "<b>2</b>"
    lesson = (
        f"## {HOSTILE}\n\nText with <iframe src=javascript:alert(4)> and **{HOSTILE}**\n\n"
        f"- `{HOSTILE}`\n\n```\n</pre>{HOSTILE}\n```\n"
        "![x](https://example.com/x.png) [link](javascript:alert(5))\n"
    )
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
    page = build_report(make_folder(tmp_path / "l", RUN, {"loss.png": figure_bytes("png")}, lesson))
    assert "<h1>Why <strong>momentum</strong> helps</h1>" in page
    assert "<title>Why momentum helps · optcompare</title>" in page
    assert (
        '<section class="lesson">\n<p>The valley is <em>narrow</em>.</p>\n<h2>Look at</h2>' in page
    )
    assert "problem rosenbrock" in page  # the problem, no longer the title, is in the facts


def test_one_row_per_run_and_missing_values_shown_as_dashes(tmp_path):
    page = build_report(make_folder(tmp_path / "r", RUN))
    assert table_rows(page) == 2
    assert ">at step 7</td>" in page and '<td class="num">–</td>' in page
    assert "This folder has no figures" in page


def test_svg_is_embedded_as_an_image_and_pdf_is_listed(tmp_path):
    svg = figure_bytes("svg")
    folder = make_folder(
        tmp_path / "f",
        RUN,
        {"loss.svg": svg, "path.pdf": figure_bytes("pdf"), "extra.png": figure_bytes("png")},
    )
    page = build_report(folder)
    srcs = [a["src"] for a in Tags(page).named("img")]
    assert srcs == [
        f"data:image/svg+xml;base64,{base64.b64encode(svg).decode()}",
        f"data:image/png;base64,{base64.b64encode(figure_bytes('png')).decode()}",
    ]
    assert "<svg" not in page  # never inline: an SVG in <img> cannot run scripts
    assert "cannot show" in page and "<code>path.pdf</code>" in page
    assert_self_contained(page)


def test_figures_follow_the_manifest_then_other_images_by_name(tmp_path):
    folder = make_folder(
        tmp_path / "o", RUN, {"path.png": figure_bytes("png"), "loss.png": figure_bytes("png")}
    )
    (folder / "b-mine.png").write_bytes(figure_bytes("png", "red"))
    (folder / "a-mine.png").write_bytes(figure_bytes("png", "green"))
    (folder / ".hidden.png").write_bytes(figure_bytes("png"))
    contents = report.read_folder(folder)
    assert [n for n, _ in contents.figures] == ["path.png", "loss.png", "a-mine.png", "b-mine.png"]


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"runs": "not a list", "problem": 3, "aggregates": [1, None]},
        {"best": [{"label": ["x"], "lr": "fast"}], "parameters": None, "seeds": True},
        {"optimizers": [{"label": 1, "fractions": {"minimum 9": 0.5}}], "problem": {"minima": 1}},
    ],
    ids=["empty", "wrong-types-run", "wrong-types-sweep", "wrong-types-basins"],
)
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
    manifest = output.own_files(folder)
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
    (
        "**bold**, __bold__, *it*",
        "<p><strong>bold</strong>, <strong>bold</strong>, <em>it</em></p>",
    ),
    ("2*3*4 and a * b * c", "<p>2*3*4 and a * b * c</p>"),
    ("<b>x</b> & 'q'", "<p>&lt;b&gt;x&lt;/b&gt; &amp; &#x27;q&#x27;</p>"),
    ("#not a heading", "<p>#not a heading</p>"),
    (
        "text\n\n    $ optcompare run\n      --opt <x>\n\nafter",
        "<p>text</p>\n<pre><code>$ optcompare run\n  --opt &lt;x&gt;</code></pre>\n<p>after</p>",
    ),
    ("    a\n\n    b\n", "<pre><code>a\n\nb</code></pre>"),
    ("text\n    still the paragraph", "<p>text still the paragraph</p>"),
    ("~~~~\n```\n~~~\n~~~~", "<pre><code>```\n~~~</code></pre>"),
    ("\\*not italic\\* and \\`x\\` and \\\\", "<p>*not italic* and `x` and \\</p>"),
    ("``a`b`` and `` `x` ``", "<p><code>a`b</code> and <code>`x`</code></p>"),
    ("> **Note.** x\n> y", "<blockquote>\n<p><strong>Note.</strong> x y</p>\n</blockquote>"),
    ("a\n\n---\n\nb", "<p>a</p>\n<hr>\n<p>b</p>"),
    (
        "<!-- c --> <script>x</script> &amp;",
        "<p>&lt;!-- c --&gt; &lt;script&gt;x&lt;/script&gt; &amp;amp;</p>",
    ),
    ("a | b\nno separator row", "<p>a | b no separator row</p>"),
]


@pytest.mark.parametrize(("text", "html"), MARKDOWN, ids=[t[:16] for t, _ in MARKDOWN])
def test_markdown_subset(text, html):
    assert report.render_markdown(text) == html


def md_tables(text: str) -> list[HtmlTable]:
    return Tables(report.render_markdown(text)).tables


def test_a_pipe_table_is_a_table_with_its_header_and_alignment():
    (table,) = md_tables(
        "| name | left | mid | right |\n|---|:--|:-:|--:|\n| a | 1 | 2 | 3 |\n| b | 4 | 5 | 6 |"
    )
    assert table.head == ["name", "left", "mid", "right"]
    assert table.rows == [["a", "1", "2", "3"], ["b", "4", "5", "6"]]
    assert [cls for _, cls in table.cells[:4]] == ["", "", "mid", "num"]
    assert {tag for tag, _ in table.cells} == {"th", "td"}
    assert [tag for tag, _ in table.cells[4:]] == ["td"] * 8  # no row headers in a lesson table


def test_a_table_cell_keeps_inline_code_emphasis_and_escaped_pipes():
    text = (
        "| spec | means |\n| --- | --- |\n"
        "| `a \\| b` | **either** *one* \\| the other |\n| `x*y*z` | 2 * 3 |"
    )
    html = report.render_markdown(text)
    (table,) = Tables(html).tables
    assert table.rows == [["a | b", "either one | the other"], ["x*y*z", "2 * 3"]]
    assert "<td><code>a | b</code></td>" in html
    assert "<td><strong>either</strong> <em>one</em> | the other</td>" in html


def test_a_table_without_outer_pipes_and_with_ragged_rows():
    (table,) = md_tables("x | y\n--- | ---:\n1 | 2\nonly\n3 | 4 | extra")
    assert table.head == ["x", "y"]
    assert table.rows == [["1", "2"], ["only", ""], ["3", "4"]]


def test_a_table_needs_a_separator_of_the_same_width_and_ends_at_a_blank_line():
    assert md_tables("| a | b |\n|---|\n| 1 | 2 |") == []
    html = report.render_markdown("Numbers:\n| a |\n|---|\n| 1 |\n\nafter | it")
    assert html.startswith("<p>Numbers:</p>\n<div")  # a table may follow a paragraph line
    assert html.endswith("<p>after | it</p>")
    assert Tables(html).tables[0].rows == [["1"]]


def test_text_that_looks_like_html_stays_text_in_tables():
    text = (
        "| <b>head</b> | x |\n|---|---|\n| <script>alert(1)</script> | "
        "<img src=x onerror=alert(2)> |"
    )
    html = report.render_markdown(text)
    tags = Tags(html)
    assert [t for t, _ in tags.tags if t in {"b", "script", "img"}] == []
    (table,) = Tables(html).tables
    assert table.head == ["<b>head</b>", "x"]
    assert table.rows == [["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"]]


# --- lessons ------------------------------------------------------------------------------------


def markdown_tables(text: str) -> list[list[list[str]]]:
    """The pipe tables of a lesson as lists of rows of cells, read the simple way (the
    lessons' tables have outer pipes, no escaped pipes), separator rows left out."""
    tables: list[list[list[str]]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                tables[-1].append([re.sub(r"`|\*\*", "", c) for c in cells])
        previous = line
    return tables


@pytest.mark.parametrize("name", ["rprop-minibatch", "adam-nonconvergence"])
def test_a_lesson_report_has_its_tables_code_and_runs(cli, tmp_path, name):
    code, _, err = cli("lesson", name, "--out", "l", "--report", "-q")
    assert code == 0, err
    folder = tmp_path / "l"
    text = (folder / "lesson.md").read_text(encoding="utf-8")
    page = (folder / REPORT).read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "| ---" not in page and "|---" not in page
    assert "no table this page knows how to show" not in page
    expected = markdown_tables(text)
    assert expected, "the lesson has no table to check"
    shown = Tables(page).of("lesson")
    assert [[t.head, *t.rows] for t in shown] == expected
    # its commands are indented code blocks: each is one <pre><code>, line for line
    commands = [line[4:] for line in text.splitlines() if line.startswith("    optcompare ")]
    assert commands
    blocks = re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S)
    assert "\n".join(escape(c) for c in commands) in blocks
    # and the runs its summary.json holds are result tables, one per experiment
    doc = json.loads((folder / "summary.json").read_text())
    results = Tables(page).of("summary")
    assert [t.caption.split(" experiment,")[0] for t in results] == list(doc["experiments"])
    for table, experiment in zip(results, doc["experiments"].values(), strict=True):
        assert [row[0] for row in table.rows] == [a["label"] for a in experiment["aggregates"]]


def test_a_lesson_without_runs_shows_no_results_section(tmp_path):
    doc = {"lesson": "x", "title": "T", "claim": "c", "numbers": {}, "experiments": {}}
    page = build_report(make_folder(tmp_path / "l", doc, lesson="# T\n\n| a |\n|---|\n| 1 |\n"))
    assert "Results" not in page and "no table" not in page
    assert [t.rows for t in Tables(page).tables] == [[["1"]]]


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
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=90,
        env={"HOME": str(tmp), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_page_in_a_real_browser(cli, tmp_path):
    """Chromium decodes every figure, shows the table, and paints a page that is not blank."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    from matplotlib.image import imread

    code, _, err = cli(
        "run",
        "--opt",
        "sgd:lr=0.002,momentum=0.9",
        "--opt",
        "adam:lr=0.05",
        "--opt",
        "rmsprop",
        "--problem",
        "rosenbrock",
        "--steps",
        "100",
        "--out",
        "r",
        "--no-plot",
        "-q",
    )
    assert code == 0, err
    folder = tmp_path / "r"
    for name, data in [
        ("loss.png", figure_bytes("png")),
        ("path.svg", figure_bytes("svg")),
        ("extra.png", figure_bytes("png", "tab:orange")),
    ]:
        output.add_file(folder, name, lambda p, data=data: p.write_bytes(data))
    output.add_file(
        folder,
        "lesson.md",
        lambda p: p.write_text(
            f"# A lesson\n\nSee **both** figures.\n\n- {HOSTILE}\n", encoding="utf-8"
        ),
    )
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


# --- the step slider ------------------------------------------------------------------------------


class DevTools:
    """Headless chromium driven over its DevTools pipe (file descriptors 3 and 4, NUL-separated JSON).

    No network port and no client library: the test talks to the browser the way its
    own tools do, to move the slider, press keys and read back what the page drew.
    """

    def __init__(self, browser: str, tmp: Path) -> None:
        import fcntl
        import os

        self._to_browser = os.pipe()
        self._from_browser = os.pipe()
        # the browser's ends moved above 9, so that they are not 3 or 4 already
        a = fcntl.fcntl(self._to_browser[0], fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(self._from_browser[1], fcntl.F_DUPFD, 10)
        os.close(self._to_browser[0])
        os.close(self._from_browser[1])
        # the browser reads commands on fd 3 and writes replies on fd 4
        self.proc = subprocess.Popen(
            [
                "/bin/bash",  # dash cannot name a file descriptor above 9
                "-c",
                f'exec "$0" "$@" 3<&{a} 4>&{b} {a}<&- {b}>&-',
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                f"--user-data-dir={tmp / 'profile'}",
                "about:blank",
            ],
            pass_fds=(a, b),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={"HOME": str(tmp), "PATH": "/usr/bin:/bin"},
        )
        os.close(a)
        os.close(b)
        self._buf = b""
        self._id = 0
        self.session = ""

    def call(self, method: str, session: bool = True, **params):
        import os
        import select

        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_browser[1], json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                ready, _, _ = select.select([self._from_browser[0]], [], [], 60)
                assert ready, f"no reply from chromium to {method}"
                chunk = os.read(self._from_browser[0], 1 << 20)
                assert chunk, f"chromium closed the pipe during {method}"
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                assert "error" not in reply, reply
                return reply["result"]

    def open(self, url: str, width: int = 1400, height: int = 1100) -> None:
        target = self.call("Target.createTarget", session=False, url="about:blank")
        self.session = self.call(
            "Target.attachToTarget", session=False, targetId=target["targetId"], flatten=True
        )["sessionId"]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.navigate", url=url)
        import time

        for _ in range(200):
            if self.js("document.readyState") == "complete":
                return
            time.sleep(0.05)
        raise AssertionError("the page did not load")

    def js(self, expression: str):
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in reply, reply
        return reply["result"].get("value")

    def key(self, key: str, code: int, shift: bool = False) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                code=key,
                windowsVirtualKeyCode=code,
                modifiers=8 if shift else 0,
            )

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        import os

        try:
            self.call("Browser.close", session=False)
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for fd in (self._to_browser[1], self._from_browser[0]):
                os.close(fd)


def _scrub_data(page: str) -> dict:
    (section,) = [a for a in Tags(page).named("section") if a.get("id") == "scrub"]
    return json.loads(section["data-scrub"] or "")


def test_the_slider_embeds_each_median_run_thinned_to_at_most_2000_points(cli, tmp_path):
    steps = 2500
    args = ["--opt", "sgd:lr=0.001", "--opt", "adam:lr=0.02", "--problem", "rosenbrock"]
    more = ["--steps", str(steps), "--seeds", "3", "--jitter", "0.3"]
    code, _, err = cli("run", *args, *more, "--out", "r", "--no-plot", "-q")
    assert code == 0, err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    result = optcompare.run(
        ["sgd:lr=0.001", "adam:lr=0.02"], "rosenbrock", steps=steps, seeds=3, jitter=0.3
    )
    page = build_report(tmp_path / "r")
    data = _scrub_data(page)
    assert data["last"] == steps and len(data["series"]) == 2
    for agg, series in zip(summary["aggregates"], data["series"], strict=True):
        (run,) = [
            r for r in result.runs if r.label == agg["label"] and r.seed == agg["median_run_seed"]
        ]
        assert series["label"] == run.label
        step = np.array(series["step"])
        assert 1000 < step.size <= 2000 and step[0] == 0 and step[-1] == steps
        assert np.all(np.diff(step) > 0)
        assert np.array_equal(series["x"], run.x[step, 0])
        assert np.array_equal(series["y"], run.x[step, 1])
        assert np.array_equal(series["loss"], run.loss[step])
    assert "median run (by final loss) of 3 seeds" in page
    assert f"at most 2,000 of its recorded rows (up to {steps + 1:,})" in page


def test_a_folder_without_a_trajectory_has_no_slider(tmp_path):
    page = build_report(make_folder(tmp_path / "r", {"kind": "run", "aggregates": []}))
    assert 'id="scrub"' not in page


def test_the_slider_in_a_real_browser_draws_the_run_up_to_the_chosen_step(cli, tmp_path):
    """Move the slider and press keys in chromium; what is drawn is the run at that step."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    from matplotlib.image import imread

    specs = ["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05", "rmsprop:lr=0.01"]
    steps = 300
    opts = [a for s in specs for a in ("--opt", s)]
    code, _, err = cli(
        "run", *opts, "--problem", "rosenbrock", "--steps", str(steps), "--out", "r", "-q"
    )
    assert code == 0, err
    url = write_report(tmp_path / "r").resolve().as_uri()
    result = optcompare.run(specs, "rosenbrock", steps=steps)

    def drawn() -> dict:
        return tools.js(
            "(function () { var out = {step: +document.getElementById('scrub')"
            ".getAttribute('data-drawn-step'), label: document.getElementById('scrub-label')"
            ".textContent, lines: []};"
            "document.querySelectorAll('#scrub polyline').forEach(function (p) {"
            "out.lines.push([p.getAttribute('class'), +p.getAttribute('data-i'),"
            "+p.getAttribute('data-drawn-points'), p.getAttribute('data-last'),"
            "p.getAttribute('points').trim().split(' ').length]); });"
            "return out; })()"
        )

    def check(step: int) -> None:
        now = drawn()
        assert now["step"] == step and now["label"] == f"step {step} of {steps}"
        assert len(now["lines"]) == 2 * len(specs)
        for kind, i, points, last, listed in now["lines"]:
            run = result.runs[i]
            assert points == listed == step + 1  # steps 0 to `step`, none thinned
            at, _, value = last.partition(":")
            assert int(at) == step
            if kind == "scrub-path":
                assert [float(v) for v in value.split(",")] == run.x[step].tolist()
            else:
                assert float(value) == run.loss[step]

    tools = DevTools(browser, tmp_path)
    try:
        tools.open(url)
        check(steps)  # the page opens on the whole run
        tools.js(
            "(function () { var s = document.getElementById('scrub-step'); s.value = '37';"
            "s.dispatchEvent(new Event('input')); })()"
        )
        check(37)
        tools.key("ArrowLeft", 37)
        check(36)
        tools.key("ArrowRight", 39, shift=True)
        check(66)
        tools.key("Home", 36)
        check(0)
        tools.key("ArrowRight", 39)
        tools.key("ArrowRight", 39)
        check(2)
        tools.key("End", 35)
        check(steps)
        tools.js("document.getElementById('scrub').scrollIntoView()")
        boxes = tools.js(
            "(function () { var svg = document.querySelector('#scrub svg.scrub-paths');"
            "function box(e) { var r = e.getBoundingClientRect();"
            "return [r.left, r.top, r.width, r.height]; }"
            "function all(sel) { return Array.prototype.map.call(svg.querySelectorAll(sel), box); }"
            "return {contours: all('path.scrub-contour'), bands: all('path.scrub-band'),"
            "starts: all('circle.scrub-start'), minima: all('polygon.scrub-minimum'),"
            "frame: box(svg.querySelector(':scope > rect'))}; })()"
        )
        shot = tmp_path / "slider.png"
        tools.screenshot(shot)
    finally:
        tools.close()
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (1100, 1400) and pixels.std() > 0.05
    # the contours, the one shared start and rosenbrock's one minimum are laid out
    assert len(boxes["contours"]) > 10 and len(boxes["bands"]) > 10
    assert len(boxes["starts"]) == 1 and len(boxes["minima"]) == 1
    left, top, width, height = boxes["frame"]
    for x, y, w, h in boxes["contours"] + boxes["starts"] + boxes["minima"]:
        assert w > 0 and h > 0
        assert left - 15 <= x and x + w <= left + width + 15
        assert top - 15 <= y and y + h <= top + height + 15

    def colour(box: list[float]) -> np.ndarray:
        x, y, w, h = box
        return pixels[round(y + h / 2), round(x + w / 2)]

    # and painted: the start white, the star's upper arm yellow (#FFD400; a head may
    # sit on its centre), a corner of the drawing grey (rosenbrock is high there: a
    # dark band), all over the paths
    assert np.allclose(colour(boxes["starts"][0]), 1.0, atol=0.03)
    x, y, w, h = boxes["minima"][0]
    arm = pixels[round(y + 0.4 * h / 1.81), round(x + w / 2)]  # tip to base: 1.81 radii
    assert np.allclose(arm, [1.0, 0xD4 / 255, 0.0], atol=0.05)
    corner = pixels[round(top + 6), round(left + 6)]
    assert np.ptp(corner) < 0.02 and 0.3 < corner[0] < 0.8


def test_the_x_of_a_diverged_run_shows_from_its_divergence_step_on(cli, tmp_path):
    """In chromium: no X before the step where the drawn run diverged, one from it on, in
    both panels, where the line left the view and on the loss panel's top edge."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    args = ["--opt", "sgd:lr=0.01", "--opt", "adam:lr=0.05", "--problem", "rosenbrock"]
    more = ["--seeds", "5", "--jitter", "0.1", "--steps", "200"]
    code, _, err = cli("run", *args, *more, "--out", "r", "--no-plot", "-q")
    assert code == 0, err
    url = write_report(tmp_path / "r").resolve().as_uri()
    data = _scrub_data((tmp_path / "r" / REPORT).read_text(encoding="utf-8"))
    at = data["series"][0]["diverged"]
    assert isinstance(at, int) and data["series"][1]["diverged"] is None

    def marks(step: int) -> dict:
        tools.js(
            "(function () { var s = document.getElementById('scrub-step');"
            f"s.value = '{step}'; s.dispatchEvent(new Event('input')); }})()"
        )
        return tools.js(
            "(function () { function box(e) { var r = e.getBoundingClientRect();"
            "return [r.left, r.top, r.width, r.height]; } var out = {};"
            "['path', 'loss'].forEach(function (k) {"
            "var svg = document.querySelector('#scrub svg.scrub-' + (k === 'path' ? 'paths' : k));"
            "out[k] = {frame: box(svg.querySelector(':scope > rect')),"
            "x: Array.prototype.map.call(svg.querySelectorAll('path.scrub-' + k + '-x'), box)}; });"
            "return out; })()"
        )

    tools = DevTools(browser, tmp_path)
    try:
        tools.open(url)
        seen = {step: marks(step) for step in (0, at - 1, at, at + 1, data["last"])}
    finally:
        tools.close()
    for step, drawn in seen.items():
        for kind in ("path", "loss"):
            sgd, adam = drawn[kind]["x"]
            assert adam[2] == adam[3] == 0, (step, kind)  # Adam never diverged
            if step < at:
                assert sgd[2] == sgd[3] == 0, (step, kind)  # not drawn before its step
                continue
            assert sgd[2] > 5 and sgd[3] > 5, (step, kind)
            left, top, width, height = drawn[kind]["frame"]
            cx, cy = sgd[0] + sgd[2] / 2, sgd[1] + sgd[3] / 2
            if kind == "loss":
                # at the last finite step, on the top edge: the runaway is above it
                assert abs(cy - top) < 2, step
                assert abs(cx - (left + width * (at - 1) / data["last"])) < 2, step
            else:
                # on the frame, where scrub.py says the line left the view
                edges = [
                    abs(cx - left),
                    abs(cx - left - width),
                    abs(cy - top),
                    abs(cy - top - height),
                ]
                assert min(edges) < 2, step
                (wx, wy), (gx, gy) = data["window"], data["series"][0]["gone"]
                assert abs(cx - (left + (gx - wx[0]) / (wx[1] - wx[0]) * width)) < 2
                assert abs(cy - (top + (wy[1] - gy) / (wy[1] - wy[0]) * height)) < 2


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_each_slider_fits_a_projected_screen(cli, tmp_path, ravine, width, height):
    """Scrolled to, each slider section (controls, both drawings, legend and notes) lies
    within a 16:9 window: a diverging run's page and a lesson's page of two sliders."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    args = ["--opt", "sgd:lr=0.01", "--opt", "adam:lr=0.05", "--problem", "rosenbrock"]
    code, _, err = cli("run", *args, "--seeds", "5", "--jitter", "0.1", "--out", "r", "-q")
    assert code == 0, err
    pages = [write_report(tmp_path / "r"), ravine / REPORT]
    tools = DevTools(browser, tmp_path)
    boxes = []
    try:
        for page in pages:
            tools.open(page.resolve().as_uri(), width, height)
            boxes += tools.js(
                "(function () { function box(e) { var r = e.getBoundingClientRect();"
                "return [r.left, r.top, r.right, r.bottom]; }"
                "return Array.prototype.map.call(document.querySelectorAll('section.scrub'),"
                "function (sec) { sec.scrollIntoView(); return {section: box(sec),"
                "parts: ['.scrub-controls', 'svg.scrub-paths', 'svg.scrub-loss', '.scrub-legend']"
                ".map(function (s) { return box(sec.querySelector(s)); }),"
                "views: ['svg.scrub-paths', 'svg.scrub-loss'].map(function (s) {"
                "var v = sec.querySelector(s).viewBox.baseVal; return [v.width, v.height]; }),"
                "height: window.innerHeight, width: window.innerWidth}; }); })()"
            )
        tools.screenshot(tmp_path / "last.png")
    finally:
        tools.close()
    assert len(boxes) == 1 + 2  # the run's slider and the lesson's two
    for b in boxes:
        assert (b["width"], b["height"]) == (width, height)
        _, top, _, bottom = b["section"]
        assert top >= -1 and bottom <= height, b  # -1: the scroll's sub-pixel rounding
        for x0, y0, x1, y1 in b["parts"]:
            assert x0 >= 0 and x1 <= width and x1 > x0 and y0 >= 0 and y1 <= height and y1 > y0
        # the drawings use the screen: at least 40% of its height, each filling its box
        # (report.css sizes the boxes to the drawings' shape: no blank bands beside them)
        for (x0, y0, x1, y1), (w, h) in zip(b["parts"][1:3], b["views"], strict=True):
            assert y1 - y0 >= 0.4 * height
            assert (x1 - x0) / (y1 - y0) == pytest.approx(w / h, rel=0.02)


@pytest.mark.parametrize("width, height, text, line", [(1280, 720, 16, 2.5), (1920, 1080, 24, 3.5)])
def test_the_slider_reads_from_the_back_of_a_room(ravine, tmp_path, width, height, text, line):
    """Projected at 720p or 1080p, the drawings' numbers are as large as the page's small
    print or more (at least ``text`` px tall boxes; the reviewer measured 13 px at 1080p)
    and their lines at least ``line`` px wide."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    tools = DevTools(browser, tmp_path)
    try:
        tools.open((ravine / REPORT).resolve().as_uri(), width, height)
        seen = tools.js(
            "(function () { var sec = document.querySelector('section.scrub');"
            "sec.scrollIntoView(); var out = {ticks: [], names: [], lines: []};"
            "sec.querySelectorAll('svg.scrub-paths, svg.scrub-loss').forEach(function (svg) {"
            "var scale = svg.getBoundingClientRect().height / svg.viewBox.baseVal.height;"
            "svg.querySelectorAll('text').forEach(function (t) {"
            "var r = t.getBoundingClientRect(); (t.getAttribute('class') === 'scrub-tick' ?"
            # a name turned upright is as tall as its box is wide
            "out.ticks : out.names).push(t.hasAttribute('transform') ? r.width : r.height); });"
            "svg.querySelectorAll('polyline').forEach(function (p) {"
            "out.lines.push(scale * +p.getAttribute('stroke-width')); }); });"
            "return out; })()"
        )
    finally:
        tools.close()
    assert len(seen["ticks"]) >= 10 and len(seen["names"]) == 4 and seen["lines"]
    assert min(seen["ticks"] + seen["names"]) >= text, seen
    assert min(seen["lines"]) >= line, seen["lines"]


# --- the step sliders of a lesson page ------------------------------------------------------------


@pytest.fixture(scope="module")
def ravine(tmp_path_factory) -> Path:
    """The ravine lesson's folder with its report (two 2-D experiments of 100 steps)."""
    from click.testing import CliRunner

    from optcompare.cli import main

    folder = tmp_path_factory.mktemp("lesson") / "ravine"
    args = ["lesson", "ravine", "--out", str(folder), "--report", "-q"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return folder


def _sections(page: str) -> list[dict[str, str | None]]:
    return [a for a in Tags(page).named("section") if a.get("class") == "scrub"]


def _median_rows(folder: Path, experiment: str, summary: dict) -> dict[str, list[dict]]:
    """Each label's rows of the experiment's trajectory file for its median seed."""
    import csv

    seed = {a["label"]: a["median_run_seed"] for a in summary["aggregates"]}
    with open(folder / f"trajectory-{experiment}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {
        label: [r for r in rows if r["label"] == label and int(r["seed"]) == s]
        for label, s in seed.items()
    }


def _check_lesson_sliders(folder: Path) -> None:
    from optcompare.report.scrub import MAX_POINTS, PAGE_POINTS

    doc = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    two_d = [k for k, d in doc["experiments"].items() if d["problem"]["dim"] == 2]
    page = (folder / REPORT).read_text(encoding="utf-8")
    sections = _sections(page)
    assert len(sections) == len(two_d) > 0
    ids = [a.get("id") for _, a in Tags(page).tags if a.get("id")]
    assert len(ids) == len(set(ids)), "an id is used twice"
    headings = re.findall(r'<h2 id="([^"]+)-title">([^<]*)</h2>', page)
    assert headings == [
        (a["id"], f"Step by step: {k}") for a, k in zip(sections, two_d, strict=True)
    ]
    paths = sum(len(doc["experiments"][k]["aggregates"]) for k in two_d)
    most = min(MAX_POINTS, PAGE_POINTS // paths)
    for section, experiment in zip(sections, two_d, strict=True):
        summary = doc["experiments"][experiment]
        data = json.loads(section["data-scrub"] or "")
        rows = _median_rows(folder, experiment, summary)
        assert [s["label"] for s in data["series"]] == list(rows)
        for s in data["series"]:
            block = rows[s["label"]]
            steps = [int(r["step"]) for r in block]
            assert len(s["step"]) == min(len(block), most)
            assert s["step"][0] == steps[0] and s["step"][-1] == steps[-1]
            at = {int(r["step"]): r for r in block}
            for key, column in (("x", "x0"), ("y", "x1")):
                assert s[key] == [float(at[k][column]) for k in s["step"]], (experiment, key)
            # the loss as loss.png draws it: loss - f* floored when f* is known
            f_star = summary["problem"]["f_star"]
            want = [float(at[k]["loss"]) for k in s["step"]]
            if f_star is not None:
                want = [max(v - f_star, LOSS_FLOOR) for v in want]
            assert s["loss"] == want, experiment


def test_each_2d_experiment_of_the_ravine_lesson_gets_its_own_slider(ravine):
    _check_lesson_sliders(ravine)
    page = (ravine / REPORT).read_text(encoding="utf-8")
    # the lesson's own text is on the page as lesson.md has it, before the sliders
    text = report.render_markdown(report.split_title((ravine / "lesson.md").read_text())[1])
    assert f'<section class="lesson">\n{text}\n</section>' in page
    assert page.index('<section class="lesson">') < page.index('<section class="scrub"')


@pytest.mark.parametrize("name", ["rmsprop-variants", "gradient-scale"])
def test_a_lesson_gets_a_slider_for_each_2d_experiment_only(cli, tmp_path, name):
    code, _, err = cli("lesson", name, "--out", "l", "--report", "-q")
    assert code == 0, err
    _check_lesson_sliders(tmp_path / "l")


def test_a_lesson_without_a_2d_experiment_gets_no_slider(cli, tmp_path):
    code, _, err = cli("lesson", "non-stationary", "--out", "l", "--report", "-q")
    assert code == 0, err
    folder = tmp_path / "l"
    doc = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert {d["problem"]["dim"] for d in doc["experiments"].values()} == {1}
    assert list(folder.glob("trajectory-*.csv")), "the lesson wrote no trajectory to leave out"
    page = (folder / REPORT).read_text(encoding="utf-8")
    assert _sections(page) == [] and "Step by step" not in page


def test_a_lesson_of_one_experiment_draws_it_from_trajectory_csv(tmp_path, ravine):
    """A lesson with one result writes it as trajectory.csv (lessons/folder.py)."""
    doc = json.loads((ravine / "summary.json").read_text(encoding="utf-8"))
    doc["experiments"] = {"ravine": doc["experiments"]["ravine"]}
    data = (ravine / "trajectory-ravine.csv").read_bytes()
    folder = make_folder(tmp_path / "one", doc)
    output.add_file(folder, "trajectory.csv", lambda p: p.write_bytes(data))
    page = build_report(folder)
    (section,) = _sections(page)
    assert "Step by step: ravine" in page and "Drawn from trajectory.csv" in page
    assert [s["label"] for s in json.loads(section["data-scrub"] or "")["series"]] == [
        a["label"] for a in doc["experiments"]["ravine"]["aggregates"]
    ]


def test_the_sliders_of_a_lesson_in_a_real_browser_are_independent(ravine, tmp_path):
    """Each slider draws its own experiment's rows; moving one, by its control or by the
    keys, leaves the other's drawing as it was; the keys move the slider last touched,
    or the one on screen."""
    browser = _browser()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    doc = json.loads((ravine / "summary.json").read_text(encoding="utf-8"))
    names = list(doc["experiments"])
    rows = {k: _median_rows(ravine, k, doc["experiments"][k]) for k in names}
    steps = doc["experiments"][names[0]]["steps"]

    def drawn(i: int) -> dict:
        return tools.js(
            f"(function () {{ var sec = document.querySelectorAll('section.scrub')[{i}];"
            "var out = {step: +sec.getAttribute('data-drawn-step'),"
            "label: sec.querySelector('output').textContent, lines: []};"
            "sec.querySelectorAll('polyline').forEach(function (p) {"
            "out.lines.push([p.getAttribute('class'), +p.getAttribute('data-i'),"
            "+p.getAttribute('data-drawn-points'), p.getAttribute('data-last'),"
            "p.getAttribute('points')]); });"
            "return out; })()"
        )

    def check(i: int, step: int) -> dict:
        now = drawn(i)
        assert now["step"] == step and now["label"] == f"step {step} of {steps}"
        labels = list(rows[names[i]])
        assert len(now["lines"]) == 2 * len(labels)
        for kind, k, points, last, listed in now["lines"]:
            row = rows[names[i]][labels[k]][step]  # one row per step: none thinned
            assert points == len(listed.split()) == step + 1
            at, _, value = last.partition(":")
            assert int(at) == step == int(row["step"])
            if kind == "scrub-path":
                assert [float(v) for v in value.split(",")] == [float(row["x0"]), float(row["x1"])]
            else:
                assert float(value) == float(row["loss"])
        return now

    def slide(i: int, step: int) -> None:
        tools.js(
            f"(function () {{ var s = document.querySelectorAll('section.scrub input')[{i}];"
            f"s.value = '{step}'; s.dispatchEvent(new Event('input')); }})()"
        )

    def click(i: int) -> None:
        """A mouse press on the on-screen part of the i-th section's loss drawing."""
        x, y = tools.js(
            f"(function () {{ var r = document.querySelectorAll('section.scrub svg.scrub-loss')"
            f"[{i}].getBoundingClientRect(); var top = Math.max(r.top, 0),"
            "bottom = Math.min(r.bottom, window.innerHeight);"
            "return [r.left + r.width / 2, (top + bottom) / 2]; })()"
        )
        assert 0 < y < 1100, "the drawing to click is not on screen"
        for kind in ("mousePressed", "mouseReleased"):
            tools.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def scroll(expression: str) -> None:
        tools.js(
            f"(function () {{ var a = document.querySelectorAll('section.scrub'); {expression} }})()"
        )

    tools = DevTools(browser, tmp_path)
    try:
        tools.open((ravine / REPORT).resolve().as_uri())
        first, second = check(0, steps), check(1, steps)
        slide(0, 37)
        check(0, 37)
        assert drawn(1) == second  # the other slider's drawing is untouched
        slide(1, 5)
        check(1, 5)
        assert check(0, 37)["lines"] != first["lines"]
        # the first section's lower half and the second's upper half on screen
        scroll("window.scrollTo(0, a[1].getBoundingClientRect().top + window.scrollY - 500);")
        click(1)
        tools.key("ArrowRight", 39)
        check(1, 6)
        check(0, 37)
        click(0)
        tools.key("ArrowLeft", 37, shift=True)  # a tenth of the run
        check(0, 37 - steps // 10)
        check(1, 6)
        # the section last touched off screen: the keys move the one on screen
        scroll("window.scrollTo(0, a[1].getBoundingClientRect().top + window.scrollY);")
        assert (
            tools.js("document.querySelectorAll('section.scrub')[0].getBoundingClientRect().bottom")
            <= 0
        )
        tools.key("End", 35)
        check(1, steps)
        check(0, 37 - steps // 10)
        tools.key("Home", 36)
        check(1, 0)
        shot = tmp_path / "lesson.png"
        tools.screenshot(shot)
    finally:
        tools.close()
    from matplotlib.image import imread

    assert imread(shot)[..., :3].std() > 0.05
