"""The Python distribution users install: the wheel holds webex_vault and webex_vault_web (not
the emulator or the test harness), installs into a fresh virtualenv from the pinned packages of
the wheelhouse `make venv` fills (offline), and both commands and the app factory work there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from webex_vault_testing import REPO

WHEELHOUSE = Path(
    os.environ.get("WHEELHOUSE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "webex-vault/wheelhouse"
)


def run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs
    )  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # From a copy of what the wheel is made of (setuptools writes build/ beside the sources),
    # with the pinned setuptools of this virtualenv and no build isolation: nothing is fetched.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    for package in ("webex_vault", "webex_vault_web"):
        shutil.copytree(
            REPO / "src" / package,
            source / "src" / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    build = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["--wheel-dir", out, source]
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (path,) = out.glob("webex_vault-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies, from the wheelhouse; what the
    wheelhouse lacks is downloaded into it first, with the hashes of requirements.txt."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "--quiet"]
    offline = [*pip, "install", "--no-index", "--find-links", WHEELHOUSE, wheel]
    if run(offline).returncode != 0:
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        download = run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--require-hashes", "--no-deps"]
            + ["--dest", WHEELHOUSE, "-r", REPO / "requirements.txt"]
        )
        assert download.returncode == 0, download.stderr
        result = run(offline)
        assert result.returncode == 0, result.stdout + result.stderr
    check = run([*pip, "check"])
    assert check.returncode == 0, check.stdout
    return venv


def test_the_wheel_holds_only_what_users_run(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    packages = {name.split("/")[0] for name in names if not name.startswith("webex_vault-")}
    assert packages == {"webex_vault", "webex_vault_web"}
    for needed in (
        "webex_vault_web/templates/base.html",
        "webex_vault_web/py.typed",
        "webex_vault/py.typed",
        # A link to plugins/plugin_utils/ in the checkout, a file of its own in the wheel.
        "webex_vault/credential_states.py",
    ):
        assert needed in names, needed
    assert not [n for n in names if "webex_emulator" in n or "webex_vault_testing" in n]


def test_metadata_is_real_and_the_version_is_the_collections(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_name).decode()
        entry_points = archive.read(metadata_name.replace("METADATA", "entry_points.txt")).decode()
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    headers = dict(
        line.split(": ", 1) for line in metadata.split("\n\n")[0].splitlines() if ": " in line
    )
    assert headers["Version"] == galaxy["version"]
    assert headers["License-Expression"] == "Apache-2.0"
    assert headers["Requires-Python"] == ">=3.11"
    assert "Classifier" in metadata and "Description-Content-Type: text/markdown" in metadata
    assert "# webex-vault" in metadata  # the README is the long description
    assert "webex-people-me = webex_vault.cli:console" in entry_points
    assert "webex-vault-web = webex_vault_web.serving:console" in entry_points
    assert "webex-vault-credentials = webex_vault.credential_report:console" in entry_points


@pytest.mark.parametrize(
    "command", ["webex-people-me", "webex-vault-web", "webex-vault-credentials"]
)
def test_both_commands_answer_help(installed, command):
    result = run([installed / "bin" / command, "--help"], cwd=installed)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")


def test_the_app_factory_builds_the_app_with_its_templates(installed, tmp_path):
    web_env = tmp_path / "web.env"
    web_env.write_text(
        "VAULT_ADDR=http://127.0.0.1:9\nVAULT_ROLE_ID=a-role-id\nVAULT_SECRET_ID=a-secret-id\n"
        f"FLASK_SECRET_KEY={'k' * 32}\n"
    )
    web_env.chmod(0o600)
    script = (
        "from webex_vault_web import create_app\n"
        "app = create_app()\n"
        "page = app.test_client().get('/')\n"
        "print(page.status_code, 'Authorize' in page.get_data(as_text=True))\n"
    )
    env = {"PATH": os.environ["PATH"], "WEBEX_VAULT_WEB_ENV_FILE": str(web_env)}
    result = run([installed / "bin" / "python", "-c", script], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "True"]
    # The import came from the fresh virtualenv, not this checkout.
    where = run(
        [installed / "bin" / "python", "-c", "import webex_vault; print(webex_vault.__file__)"],
        cwd=tmp_path,
        env=env,
    )
    assert str(installed) in where.stdout and str(REPO) not in where.stdout
