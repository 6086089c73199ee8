"""The collection artifact is the product: `ansible-galaxy collection build` of this checkout
holds the roles, plugins, playbooks, meta, user docs, changelog, example inventory and samples,
nothing of the lab, and every relative link in its Markdown resolves inside it."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from webex_vault_testing import BIN, REPO

# What a user receives. Anything else in the tarball is a test failure: add it to galaxy.yml's
# build_ignore, or here if users need it.
PRODUCT_FILES = {
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
    "SECURITY.md",
    "bindep.txt",
    "changelogs/changelog.yaml",
    "changelogs/config.yaml",
    "samples/people_me.py",
    "samples/people_me_flask.py",
    "samples/people_me.sh",
    "samples/.env.example",
}
PRODUCT_FOLDERS = ("roles/", "plugins/", "playbooks/", "meta/", "docs/", "inventory/example/")
# The lab, named so that a failure says what leaked.
LAB = (
    "Makefile",
    "ansible.cfg",
    "pyproject.toml",
    "requirements",
    "site.yml",
    "tools/",
    "tests/",
    "bench/",
    "molecule/",
    "src/",
    "dev/",
    "inventory/local/",
    "changelogs/fragments/",
)
LAB_FILES = {"samples/.env", "samples/web.env"}


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("artifact")
    build = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (path,) = out.glob("webex_vault-oauthapp-*.tar.gz")
    with tarfile.open(path) as archive:
        members = {m.name: m for m in archive.getmembers()}
        texts = {
            name: archive.extractfile(member).read().decode()  # type: ignore[union-attr]
            for name, member in members.items()
            if member.isfile() and name.endswith(".md")
        }
    print(f"\n{path.name}: {path.stat().st_size} bytes, {len(members)} entries")
    return members, texts


def test_nothing_of_the_lab_is_shipped(tarball):
    members, _ = tarball
    leaked = sorted(n for n in members if n.startswith(LAB) or n in LAB_FILES)
    assert not leaked, f"lab files in the artifact: {leaked}"
    dotfiles = sorted(n for n in members if PurePosixPath(n).parts[0].startswith("."))
    assert not dotfiles, dotfiles
    caches = sorted(n for n in members if "__pycache__" in n or n.endswith((".pyc", ".retry")))
    assert not caches, caches


def test_every_entry_is_product(tarball):
    members, _ = tarball
    files = {name for name, member in members.items() if not member.isdir()}
    other = sorted(f for f in files if f not in PRODUCT_FILES and not f.startswith(PRODUCT_FOLDERS))
    assert not other, f"not product (add to galaxy.yml build_ignore): {other}"
    for required in (
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "meta/runtime.yml",
        "meta/execution-environment.yml",
        "bindep.txt",
        "playbooks/site.yml",
        "docs/troubleshooting.md",
        "inventory/example/hosts.yml",
    ):
        assert required in files, required


def links(markdown: str) -> list[str]:
    tree = SyntaxTreeNode(MarkdownIt("commonmark").enable("table").parse(markdown))
    found = []

    def walk(node: SyntaxTreeNode) -> None:
        if node.type == "link":
            found.append(str(node.attrs["href"]))
        elif node.type == "image":
            found.append(str(node.attrs["src"]))
        for child in node.children:
            walk(child)

    walk(tree)
    return found


def test_every_relative_link_resolves_inside_the_artifact(tarball):
    members, texts = tarball
    assert "README.md" in texts and any(n.startswith("docs/") for n in texts)
    broken = []
    for name, text in texts.items():
        for target in links(text):
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # a URL, a mail address or an anchor in the same page
            resolved = PurePosixPath(name).parent / unquote(parts.path)
            normal = PurePosixPath(*_normalise(resolved.parts))
            if str(normal).rstrip("/") not in members:
                broken.append(f"{name}: {target}")
    assert not broken, broken


def _normalise(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            assert out, "a link leaves the artifact"
            out.pop()
        elif part not in (".", ""):
            out.append(part)
    return out
