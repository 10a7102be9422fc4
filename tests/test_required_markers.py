"""`REQUIRE_ALL_MARKERS=1` (set by .ci/run): a skipped `postgres` or `browser` test fails
the run (tests/conftest.py), so CI can't pass by skipping them."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]

PROBE = """
import pytest


def test_plain():
    pass


@pytest.mark.postgres
def test_needs_postgres():
    pass


@pytest.mark.browser
def test_needs_a_browser():
    pytest.skip("skipped inside the test")
"""


def run_probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REQUIRE_ALL_MARKERS")
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(BASE_DIR / "pyproject.toml"),
            "--rootdir",
            str(BASE_DIR),
            "-p",
            "tests.conftest",
            str(probe),
        ],
        cwd=BASE_DIR,
        env={**clean, "VAR_DIR": str(tmp_path / "var"), "CHROMIUM_PATH": "/nonexistent", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skipped_postgres_and_browser_tests_fail_the_run_when_required(tmp_path):
    result = run_probe(tmp_path, REQUIRE_ALL_MARKERS="1")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "REQUIRE_ALL_MARKERS" in result.stdout
    assert "::test_needs_postgres" in result.stdout
    assert "::test_needs_a_browser" in result.stdout
    assert "1 passed, 2 skipped" in result.stdout


def test_skipping_them_is_fine_otherwise(tmp_path):
    result = run_probe(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 skipped" in result.stdout
    assert "REQUIRE_ALL_MARKERS" not in result.stdout


def test_ci_requires_every_marker_and_keeps_the_crawl_screenshots():
    script = (BASE_DIR / ".ci" / "run").read_text()
    assert "export REQUIRE_ALL_MARKERS=1" in script
    assert "export CHROMIUM_PATH" in script
    assert "missing+=(fonts-noto-cjk)" in script  # legible screenshots of Chinese pages
    assert "test-results/crawl" in script or '"$results_dir/crawl"' in script
    assert "rm -rf" not in script and "git clean" not in script
