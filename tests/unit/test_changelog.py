"""The changelog is antsibull-changelog's: the fragments and changelog.yaml lint clean, and
CHANGELOG.md is the file it renders (no hand-written sections)."""

from __future__ import annotations

import subprocess

import yaml

from webex_vault_testing import BIN, REPO


def antsibull_changelog(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "antsibull-changelog"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fragments_lint_clean():
    result = antsibull_changelog("lint")
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_changelog_yaml_lints_clean():
    result = antsibull_changelog("lint-changelog-yaml", "changelogs/changelog.yaml")
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_changelog_md_is_rendered_by_antsibull_changelog():
    config = yaml.safe_load((REPO / "changelogs" / "config.yaml").read_text())
    assert config["output"] == [{"file": "CHANGELOG.md", "format": "md"}]
    text = (REPO / "CHANGELOG.md").read_text()
    assert text.startswith("# webex\\_vault\\.oauthapp Release Notes")
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert f"## v{galaxy['version'].replace('.', chr(92) + '.')}" in text
    sections = {line for line in text.splitlines() if line.startswith("### ")}
    titles = {f"### {title}" for _, title in config["sections"]}
    titles |= {"### Release Summary", "### New Modules", "### New Roles", "### New Playbooks"}
    assert sections <= titles, sections - titles
