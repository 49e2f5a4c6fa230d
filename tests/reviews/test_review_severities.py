"""The matrix names the severities drafted on resolve; `obs check-config` rejects unknown ones."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from observability.escalation.loading import load_matrix

REPO = Path(__file__).resolve().parents[2]


def _check_config(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "observability.cli", "check-config", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_shipped_matrix_drafts_reviews_of_critical_incidents() -> None:
    assert load_matrix(REPO / "incident").review_severities == ["critical"]
    assert "review drafts on resolve: critical" in _check_config(REPO / "incident").stdout


def test_check_config_names_an_unknown_review_severity_and_a_non_list(tmp_path: Path) -> None:
    matrix = tmp_path / "incident"
    shutil.copytree(REPO / "incident", matrix)
    policies = matrix / "escalation.yml"
    text = policies.read_text()
    policies.write_text(text.replace("review_severities: [critical]", "review_severities: [critical, sev1]"))
    done = _check_config(matrix)
    assert done.returncode == 1
    assert "escalation.yml: review_severities: unknown severity 'sev1'" in done.stderr
    policies.write_text(text.replace("review_severities: [critical]", "review_severities: critical"))
    assert "review_severities: expected a list" in _check_config(matrix).stderr
    policies.write_text(text.replace("review_severities: [critical]\n", ""))
    done = _check_config(matrix)
    assert done.returncode == 0 and "review drafts on resolve: none" in done.stdout
    assert load_matrix(matrix).review_severities == []
