"""A gate's decision for people and for CI: a Markdown summary (a pull-request comment), JUnit XML
(one test case per metric × slice) and a self-contained HTML page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from genjudge.formatting import format_number
from genjudge.gating.evaluate import Cell, CellOutcome, GateResult

DECIDE_WORDS = {
    "point": "the point estimate is held against each limit",
    "interval": "a cell fails only when its whole interval is on the wrong side of its limit (noise does not block)",
    "strict": "a cell passes only when its whole interval is on the right side of its limit",
}


def headline(g: GateResult) -> str:
    """One line: PASS / FAIL and the counts."""
    word = "PASS" if g.passed else "FAIL"
    return (
        f"gate {word}: run {g.run_id}"
        + (f" against baseline {g.baseline_id}" if g.baseline_id else "")
        + f": {g.count(CellOutcome.FAIL)} failed, {g.count(CellOutcome.PASS)} passed, {g.count(CellOutcome.SKIP)} skipped"
    )


def failure_lines(g: GateResult) -> list[str]:
    """One line per failed cell (and per problem with the run itself)."""
    lines = [f"FAIL run: {p}" for p in g.problems]
    for c in g.cells:
        if c.outcome is CellOutcome.FAIL:
            lines.append(f"FAIL {c.name}{' (critical)' if c.critical else ''}: {'; '.join(c.reasons)}")
    return lines


def _md_row(c: Cell) -> str:
    mark = {"pass": "✅ pass", "fail": "❌ fail", "skip": "⚪ skip"}[c.outcome.value]
    diff = f"{c.diff:+.3f}" if c.diff is not None else "—"
    crit = " **critical**" if c.critical else ""
    return (
        f"| {mark} | {c.subject}.{c.metric} | {c.where}{crit} | {c.n} | {format_number(c.value)} | {diff} | "
        f"{'; '.join(c.reasons)} |"
    )


def to_markdown(g: GateResult) -> str:
    """The summary for a pull-request comment: the decision, what failed and why, then the rest."""
    out = [
        f"## genjudge gate: {'✅ PASS' if g.passed else '❌ FAIL'}",
        "",
        f"Run `{g.run_id}`" + (f" against baseline `{g.baseline_id}`" if g.baseline_id else "") + f": "
        f"{g.count(CellOutcome.FAIL)} failed, {g.count(CellOutcome.PASS)} passed, {g.count(CellOutcome.SKIP)} skipped. "
        f"Decision on {g.policy.decide_on.value}: {DECIDE_WORDS[g.policy.decide_on.value]}; intervals at "
        f"{g.confidence:.0%}; minimum support {g.policy.min_support}; judge numbers counted: "
        f"{g.policy.judge_numbers.value.replace('_', ' ')}.",
        "",
    ]
    out += [f"- ❌ the run itself: {p}" for p in g.problems]
    out += [f"- ⚠️ {n}" for n in g.notes]
    order = {CellOutcome.FAIL: 0, CellOutcome.SKIP: 1, CellOutcome.PASS: 2}
    cells = sorted(g.cells, key=lambda c: (order[c.outcome], not c.critical))
    if cells:
        out += [
            "| result | metric | where | n | value | change | why |",
            "|---|---|---|---:|---:|---:|---|",
            *[_md_row(c) for c in cells],
        ]
    return "\n".join(out) + "\n"


def to_junit(g: GateResult) -> str:
    """JUnit XML: one test suite, one test case per cell (classname = metric, name = slice)."""
    suite = ET.Element(
        "testsuite",
        name="genjudge gate",
        tests=str(len(g.cells) + len(g.problems)),
        failures=str(g.count(CellOutcome.FAIL) + len(g.problems)),
        skipped=str(g.count(CellOutcome.SKIP)),
    )
    for p in g.problems:
        case = ET.SubElement(suite, "testcase", classname="run", name=g.run_id)
        ET.SubElement(case, "failure", message=p).text = p
    for c in g.cells:
        case = ET.SubElement(suite, "testcase", classname=f"{c.subject}.{c.metric}", name=c.where)
        text = "; ".join(c.reasons)
        if c.outcome is CellOutcome.FAIL:
            ET.SubElement(case, "failure", message=text).text = text
        elif c.outcome is CellOutcome.SKIP:
            ET.SubElement(case, "skipped", message=text)
        else:
            ET.SubElement(case, "system-out").text = text
    root = ET.Element("testsuites", name="genjudge gate")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_html(g: GateResult) -> str:
    """A self-contained page of the decision (inline CSS, nothing fetched)."""
    from genjudge.report.html import render_template

    order = {CellOutcome.FAIL: 0, CellOutcome.SKIP: 1, CellOutcome.PASS: 2}
    cells = sorted(g.cells, key=lambda c: (order[c.outcome], not c.critical))
    return render_template(
        "gate.html.j2",
        g=g,
        cells=cells,
        headline=headline(g),
        decide=DECIDE_WORDS[g.policy.decide_on.value],
        num=format_number,
    )
