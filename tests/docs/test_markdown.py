"""The doc-block parser: fences, markers, shown output, and the output pattern."""

from __future__ import annotations

from tests.docs.markdown import blocks, expected_pattern

DOC = """# Title

<!-- doctest: skip — needs OPENAI_API_KEY -->
```bash
genjudge validate x --provider openai
```

```yaml
not: run
```

<!-- doctest: reduced — the judge answered by a loopback server -->
```python
print("run 1234 done")
```

```text
run ... done
```

```sh
echo plain
```

Some prose.

```text
not output of the block above: prose sits between them
```
"""


def test_blocks_markers_and_shown_output(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(DOC)
    got = blocks(path)
    assert [(b.name, b.kind, b.mode) for b in got] == [
        ("doc.md:4", "shell", "skip"),
        ("doc.md:13", "python", "reduced"),
        ("doc.md:21", "shell", "run"),
    ]
    assert got[0].why == "needs OPENAI_API_KEY"
    assert got[1].code == 'print("run 1234 done")\n' and got[1].expected == "run ... done\n"
    assert got[2].expected is None


def test_expected_pattern_ellipsis_and_whitespace():
    pattern = expected_pattern("froze a.jsonl: 400 rows, fingerprint ...\nslices: a, b\n")
    assert pattern.search("noise\nfroze a.jsonl: 400 rows, fingerprint 3a1d\nslices:  a,\n b\n")
    assert not pattern.search("froze a.jsonl: 401 rows, fingerprint 3a1d\nslices: a, b\n")
    assert not expected_pattern("first\nsecond").search("second\nfirst")  # lines in order
