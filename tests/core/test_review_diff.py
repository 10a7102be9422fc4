"""The bounded comparison of the review page (marketplace.core.review_diff): whatever a
seller writes, the work and the output stay small."""

from marketplace.core import review_diff
from marketplace.core.review_diff import Section, compare, line_diff


def test_changed_sections_come_first_in_their_order():
    diffs = compare(
        [
            Section("a", "A", "same", "same"),
            Section("b", "B", "old", "new"),
            Section("c", "C", "x", "x"),
            Section("d", "D", "", "added"),
        ]
    )
    assert [(d.key, d.changed) for d in diffs] == [
        ("b", True),
        ("d", True),
        ("a", False),
        ("c", False),
    ]


def test_only_changed_lines_and_their_context_are_shown():
    old = "\n".join(f"line {i}" for i in range(100))
    new = old.replace("line 50", "line fifty")
    lines, hidden = line_diff(old, new)
    assert ("del", "line 50") in lines and ("add", "line fifty") in lines
    assert hidden == 0
    same = [text for kind, text in lines if kind == "same"]
    assert len(same) == 2 * review_diff.CONTEXT_LINES
    assert lines[0] == ("gap", "")  # lines 0..47 are left out


def test_above_the_size_cap_nothing_is_compared():
    huge = "word " * 400_000  # 2 MB on one line
    (diff,) = compare([Section("description", "Description", "short", huge)])
    assert diff.changed and diff.too_long
    assert diff.lines == []
    assert diff.new_size == len(huge)


def test_too_many_lines_is_too_long_too():
    many = "\n".join("x" for _ in range(review_diff.MAX_FIELD_LINES + 1))
    (diff,) = compare([Section("description", "Description", "", many)])
    assert diff.too_long


def test_shown_lines_are_capped_and_the_rest_counted():
    old = "\n".join(f"old {i}" for i in range(500))
    new = "\n".join(f"new {i}" for i in range(500))
    lines, hidden = line_diff(old, new)
    assert len(lines) == review_diff.MAX_SHOWN_LINES
    assert hidden == 1000 - review_diff.MAX_SHOWN_LINES
    kinds = {kind for kind, _ in lines}
    assert kinds == {"del", "add"}  # both sides shown, not only the old one


def test_render_escapes_and_links_the_downloads():
    html = review_diff.render(
        [Section("summary", "Summary", "<b>old</b>", "x" * (review_diff.MAX_FIELD_CHARS + 1))],
        old_title="On sale",
        new_title="Under review",
        old_url=lambda key: f"/old/{key}",
        new_url=lambda key: f"/new/{key}",
    )
    assert "Too long to compare" in html
    assert 'href="/old/summary"' in html and 'href="/new/summary"' in html
    assert "<b>old</b>" not in html


def _rebuild(a, b, ops):
    """Check that `ops` turns `a` into `b` the way difflib's opcodes do."""
    out, ia, ib = [], 0, 0
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (ia, ib)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        out += b[j1:j2]
        ia, ib = i2, j2
    assert (ia, ib) == (len(a), len(b))
    return out


def test_the_bounded_matching_is_a_correct_diff():
    import random

    rng = random.Random(7)
    for _ in range(200):
        a = [rng.choice("abcdexyz") for _ in range(rng.randint(0, 40))]
        b = [rng.choice("abcdexyz") for _ in range(rng.randint(0, 40))]
        assert _rebuild(a, b, review_diff._opcodes(a, b)) == b
        a = [str(rng.randint(0, 500)) for _ in range(rng.randint(0, 80))]
        b = [line if rng.random() > 0.1 else "changed" for line in a]
        assert _rebuild(a, b, review_diff._opcodes(a, b)) == b


def test_every_other_line_changed_is_matched_line_by_line():
    """The input that makes plain difflib quadratic: here each unchanged line still
    matches (no giant "replace everything")."""
    old = [f"old {i}" for i in range(2000)]
    new = [f"new {i}" if i % 2 else f"old {i}" for i in range(2000)]
    ops = review_diff._opcodes(old, new)
    assert sum(i2 - i1 for tag, i1, i2, _j1, _j2 in ops if tag == "equal") == 1000
