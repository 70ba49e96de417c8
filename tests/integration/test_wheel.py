"""The package as a user installs it: the wheel carries its rule files, contracts and simulator data,
and `telebill code` works from a fresh virtual environment outside the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration


def run(*command: object, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh virtual environment outside the checkout with only the wheel installed in it. Its
    dependencies come from this environment's site-packages on PYTHONPATH, which Python reads without
    its .pth files, so the editable install's mapping to the source tree stays out."""
    root = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", root / "dist", REPO, cwd=root)
    assert built.returncode == 0, built.stderr
    [wheel] = (root / "dist").glob("telebill-*.whl")
    assert run(sys.executable, "-m", "venv", root / "venv", cwd=root).returncode == 0
    done = run(root / "venv" / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", wheel, cwd=root)
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"], "TELEBILL_STATE_DIR": str(root / "state")}
    return root, env


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    found = run(
        root / "venv" / "bin" / "python", "-c", "import services, shared; print(services.__file__)", cwd=root, env=env
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith(str(root / "venv")), found.stdout


def test_telebill_code_codes_a_packaged_example_outside_the_checkout(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    python = root / "venv" / "bin" / "python"
    where = run(python, "-c", "from shared.contracts.publish import EXAMPLES; print(EXAMPLES)", cwd=root, env=env)
    example = Path(where.stdout.strip()) / "01-medicare-video-home-established.json"
    assert example.is_file() and str(root / "venv") in str(example)
    done = run(root / "venv" / "bin" / "telebill", "code", example, cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "coded" and [line["code"] for line in result["lines"]] == ["99213"]


def test_every_rule_file_of_the_checkout_is_in_the_installed_package(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    site = run(
        root / "venv" / "bin" / "python", "-c", "import services; print(services.__path__[0])", cwd=root, env=env
    )
    packaged = Path(site.stdout.strip()).parent
    rule_files = [p.relative_to(REPO) for p in REPO.glob("services/*/rules/**/*.yaml")]
    assert rule_files and [p for p in rule_files if not (packaged / p).is_file()] == []
