"""report.html of a real run: the parts in order, texts escaped, no raw JSON dump of sections."""

from __future__ import annotations

import json
import re

import pandas as pd

from genjudge.report.page import render_html


def page(example_report, name):
    folder = example_report(name)
    return folder, (folder / "report.html").read_text(encoding="utf-8")


def test_the_parts_come_in_reading_order(example_report):
    _, html = page(example_report, "tickets")
    order = [
        'class="verdict not_ready"',
        'id="headline"',
        'id="findings"',
        'id="fidelity"',
        'id="quality"',
        'id="calibration"',
        'id="operations"',
        'id="slices"',
        'id="examples"',
        'id="items"',
    ]
    positions = [html.index(part) for part in order]
    assert positions == sorted(positions)
    assert "% saved" in html and 'class="heat"' in html and "<mark" in html
    assert "<script" not in html and not re.search(r'(src|href)="https?:', html)  # self-contained


def test_the_demo_page_shows_calibration_and_what_the_student_saves(example_report):
    folder, html = page(example_report, "generate")
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    # one reliability series per model, one point per non-empty bin
    bins = report["sections"]["calibration"]["reliability"]
    points = re.findall(r'<circle cx="[0-9.]+" cy="[0-9.]+" r="[0-9.]+" fill="(#1565c0|#9e9e9e)"', html)
    assert points.count("#1565c0") == sum(1 for b in bins["student"] if b["count"])
    assert points.count("#9e9e9e") == sum(1 for b in bins["teacher"] if b["count"])
    assert "Recalibration by temperature scaling" in html and "Operations by slice" in html
    for words in ("model size", "memory footprint", "throughput, calls per s", "(model file)"):
        assert words in html, words
    assert report["operations"]["saved_pct"]["model_size"] > 50


def test_judge_validation_status_is_shown(example_report):
    _, html = page(example_report, "summaries")
    assert 'id="judge"' in html and 'class="badge unvalidated"' in html
    assert 'class="verdict cannot_tell"' in html


def test_texts_are_escaped(example_report):
    folder, _ = page(example_report, "tickets")
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    table = pd.read_parquet(folder / "examples.parquet")
    worst = table["exact_match.agree"].astype(float).idxmin()
    table.loc[worst, "student"] = "<script>alert(1)</script> & <b>bold</b>"
    html = render_html(report, table)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_without_the_table_the_page_still_renders(example_report):
    folder, _ = page(example_report, "tickets")
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    html = render_html(report)
    assert 'id="examples"' in html and "No per-item fidelity score" in html


def test_check_details_are_tables_not_json_dumps(example_report):
    _, html = page(example_report, "summaries")
    details = html.split('id="checks"')[1]
    assert "judge_meter.requests" in details and "<pre" not in details and "{&#34;" not in details
