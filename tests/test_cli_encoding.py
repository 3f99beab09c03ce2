"""The command line on consoles and files whose encoding lacks the studio's typography."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run_encoded(encoding: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``python -m nnstudio ARGS`` with standard output and error in ``encoding``."""
    env = dict(os.environ, PYTHONIOENCODING=encoding, OPENBLAS_NUM_THREADS="1")
    env.pop("NNSTUDIO_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "nnstudio", *map(str, args)],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_an_error_with_a_minus_sign_reads_plainly_on_a_windows_code_page(tmp_path: Path) -> None:
    document = json.loads((SAMPLES / "xor.nnproj").read_text(encoding="utf-8"))
    document["training"]["learning_rate"] = -0.5
    (tmp_path / "bad.nnproj").write_text(json.dumps(document), encoding="utf-8")
    result = run_encoded("cp1252", "train", "bad.nnproj", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 1
    err = result.stderr.decode("cp1252")
    assert "training.learning_rate: must be > 0, got -0.5" in err, err
    assert "\\u2212" not in err


def test_metrics_reach_an_ascii_console_with_r2_spelt_out(tmp_path: Path) -> None:
    # Regression metrics print "R²", which ASCII lacks: the run used to end with an encoding
    # error instead of its metrics.
    shutil.copy(SAMPLES / "housing.nnproj", tmp_path)
    result = run_encoded("ascii", "train", "housing.nnproj", "--epochs", "1", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("ascii")
    assert out.startswith("train: loss ") and ", R^2 " in out, out
    assert "validation: loss " in out
    assert b"error" not in result.stderr


def test_characters_without_a_plain_form_are_escaped_not_fatal() -> None:
    from nnstudio.cli import PLAIN_ERRORS

    assert "class ✓ −1 × 2 …".encode("cp1252", PLAIN_ERRORS) == b"class \\u2713 -1 \xd7 2 \x85"
    assert "class ✓ −1 × 2 …".encode("ascii", PLAIN_ERRORS) == b"class \\u2713 -1 x 2 ..."
