"""Each role owns its part: the server role knows nothing of oauthapp (the admin identity's
oauthapp rules come from oauthapp_webex's admin_policy entry point, passed on by the server
play), and the oauthapp roles read none of the server role's variables (they ask the server
itself, sys/leader, which node is active)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The collection's own name (webex_vault.oauthapp.<module>) is not knowledge of oauthapp.
FQCN = re.compile(r"webex_vault\.oauthapp\.\w+")
OAUTHAPP = re.compile(r"oauthapp", re.IGNORECASE)
SERVER_VARIABLE = re.compile(r"\bvault_server_\w+")


def mentions(
    folder: Path, pattern: re.Pattern[str], *, drop: re.Pattern[str] | None = None
) -> list[str]:
    """Each `file:line` under folder where pattern matches (after removing what drop matches)."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = drop.sub("", line) if drop else line
            if pattern.search(text):
                found.append(f"{path.relative_to(folder.parent)}:{number}: {line.strip()}")
    return found


def test_mentions_are_found(tmp_path: Path) -> None:
    role = tmp_path / "vault_server"
    (role / "defaults").mkdir(parents=True)
    (role / "defaults" / "main.yml").write_text(
        "x: \"{{ oauthapp_webex_mount | default('oauthapp') }}\"\n"
        "- webex_vault.oauthapp.vault_status:\n"
        "# the OAuthApp plugin\n"
    )
    assert len(mentions(role, OAUTHAPP, drop=FQCN)) == 2
    assert mentions(role, SERVER_VARIABLE) == []
    (role / "defaults" / "other.yml").write_text("y: '{{ vault_server_cluster_group }}'\n")
    assert len(mentions(role, SERVER_VARIABLE)) == 1


def test_the_server_role_knows_nothing_of_oauthapp() -> None:
    assert mentions(REPO / "roles" / "vault_server", OAUTHAPP, drop=FQCN) == []


def test_the_oauthapp_roles_read_no_server_role_variable() -> None:
    roles = sorted((REPO / "roles").glob("oauthapp_*"))
    assert len(roles) >= 2
    assert [found for role in roles for found in mentions(role, SERVER_VARIABLE)] == []
