"""Every role variable is a default, is in the argument spec with the same default, and is
documented in the generated variable tables (each role's README, the connection in
docs/connection.md), which are valid Markdown: specs must not drift from defaults, and the
tables must read as tables."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

REPO = Path(__file__).resolve().parents[2]
ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if path.is_dir())
# The Vault API connection: the one set of names every role that calls the API shares.
CONNECTION_PREFIX = "vault_api_"
CONNECTION = [
    "vault_api_url",
    "vault_api_auth_method",
    "vault_api_token",
    "vault_api_role_id",
    "vault_api_secret_id",
    "vault_api_mount_point",
    "vault_api_ca_cert",
    "vault_api_namespace",
    "vault_api_validate_certs",
]
API_ROLES = ["oauthapp_agent", "oauthapp_plugin", "oauthapp_webex"]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


@pytest.mark.parametrize("role", ROLES)
def test_argument_spec_matches_defaults(role):
    defaults = load(REPO / "roles" / role / "defaults" / "main.yml")
    entry_points = load(REPO / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]
    # Each entry point (main, and e.g. prune) declares its own options; together they cover
    # every default; an option repeated in several entry points keeps one default.
    options = {}
    for entry_point in entry_points.values():
        for name, spec in entry_point.get("options", {}).items():
            earlier = options.get(name, spec)
            assert earlier.get("default") == spec.get("default"), f"{role}: {name} default differs"
            options[name] = spec
    assert sorted(options) == sorted(defaults), "every default needs a spec entry and back"
    for name, spec in options.items():
        assert spec.get("default") == defaults[name], f"{role}: default of {name} drifted"
        assert spec.get("description"), f"{role}: {name} has no description"
        prefixes = (f"{role}_", CONNECTION_PREFIX)
        assert name.startswith(prefixes), f"{role}: {name} lacks the role prefix"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_has_a_comment(role):
    """Each variable sits in a block (no blank line) that carries a comment above it."""
    lines = (REPO / "roles" / role / "defaults" / "main.yml").read_text().splitlines()
    for number, line in enumerate(lines):
        if not line or line.startswith((" ", "#", "-")) or ":" not in line:
            continue
        block = []
        for above in reversed(lines[:number]):
            if not above.strip():
                break
            block.append(above)
        name = line.split(":")[0]
        assert any(row.startswith("#") for row in block), f"{role}: {name} has no comment"


def role_options(role: str) -> dict[str, dict]:
    spec = load(REPO / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]
    return {name: options for name, options in ((n, e.get("options", {})) for n, e in spec.items())}


def test_tables_are_generated_from_the_specs():
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "role-variables.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def tables(path: Path) -> list[list[dict[str, str]]]:
    """The tables of a Markdown file as a GitHub-flavoured parser reads them: one dict per
    row, header cell -> the cell's text as rendered (markup gone, escapes resolved)."""
    tree = SyntaxTreeNode(MarkdownIt("commonmark").enable("table").parse(path.read_text()))
    found = []

    def text(node: SyntaxTreeNode) -> str:
        if node.type in ("text", "code_inline"):
            return node.content
        return "".join(text(child) for child in node.children)

    def walk(node: SyntaxTreeNode) -> None:
        if node.type == "table":
            rows = [row for part in node.children for row in part.children]
            header = [text(cell) for cell in rows[0].children]
            found.append(
                [dict(zip(header, (text(c) for c in r.children), strict=True)) for r in rows[1:]]
            )
        for child in node.children:
            walk(child)

    walk(tree)
    return found


def variable_rows(path: Path) -> list[dict[str, str]]:
    return [row for table in tables(path) if "variable" in table[0] for row in table]


def all_options(role: str) -> dict[str, dict]:
    """Every option of the role once, as its first entry point declares it."""
    found: dict[str, dict] = {}
    for options in role_options(role).values():
        for name, spec in options.items():
            found.setdefault(name, spec)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_role_readme_has_one_row_per_variable_of_the_role(role):
    rows = variable_rows(REPO / "roles" / role / "README.md")
    names = [row["variable"] for row in rows]
    assert len(names) == len(set(names)), "a variable is listed twice"
    own = [name for name in all_options(role) if not name.startswith(CONNECTION_PREFIX)]
    assert names == own, "the table lists exactly the role's own variables, in spec order"


def test_connection_variables_are_one_table_in_docs():
    rows = variable_rows(REPO / "docs" / "connection.md")
    assert [row["variable"] for row in rows] == CONNECTION
    for role in ROLES:
        listed = [r["variable"] for r in variable_rows(REPO / "roles" / role / "README.md")]
        assert not [name for name in listed if name.startswith(CONNECTION_PREFIX)], role


def rendered_rows() -> list:
    specs = {name: spec for role in ROLES for name, spec in all_options(role).items()}
    pages = [REPO / "roles" / role / "README.md" for role in ROLES]
    pages.append(REPO / "docs" / "connection.md")
    return [
        pytest.param(row, specs[row["variable"]], id=row["variable"])
        for page in pages
        for row in variable_rows(page)
    ]


@pytest.mark.parametrize(("row", "spec"), rendered_rows())
def test_each_row_renders_its_spec(row, spec):
    """No Python list text, no Ansible markup left, a cell per column (an unescaped `|` would
    shift the cells), and the default as it is in the spec."""
    assert set(row) == {"variable", "type", "default", "description"}
    for cell in row.values():
        assert not re.search(r"\['|'\]", cell), cell
        assert not re.search(r"\b[CIOVEBUMLRP]\(", cell), cell
    if spec.get("no_log"):
        assert row["default"] == "(secret)"
    elif isinstance(spec.get("default"), str):
        assert row["default"] == (spec["default"] or '""')
    else:
        assert json.loads(row["default"]) == spec["default"]
    words = " ".join(
        str(p)
        for p in (
            spec["description"] if isinstance(spec["description"], list) else [spec["description"]]
        )
    )
    # The description's first words survive, markup resolved.
    first = re.sub(r"[CIOVE]\(([^)]*)\)", r"\1", words).split()[0]
    assert row["description"].startswith(first)


# Entry points that never call the server (the server play runs oauthapp_webex's admin_policy
# before the server exists, when a dev server's token file cannot be read yet): they declare
# none of the connection, and their task file calls none of the collection's modules.
OFFLINE_ENTRY_POINTS = {("oauthapp_webex", "admin_policy"), ("oauthapp_agent", "admin_policy")}


@pytest.mark.parametrize("role", API_ROLES)
def test_api_roles_declare_the_whole_connection_in_every_entry_point(role):
    """A role called with tasks_from gets its connection checked and defaulted too."""
    for entry_point, options in role_options(role).items():
        if (role, entry_point) in OFFLINE_ENTRY_POINTS:
            assert not [name for name in CONNECTION if name in options], (role, entry_point)
            tasks = (REPO / "roles" / role / "tasks" / f"{entry_point}.yml").read_text()
            assert "webex_vault.oauthapp." not in tasks, (role, entry_point)
            continue
        missing = [name for name in CONNECTION if name not in options]
        assert not missing, f"{role} {entry_point} does not declare {missing}"


def test_the_connection_is_the_same_in_every_role():
    """Same types, defaults (the environment fallbacks) and secrecy in every role."""
    specs = {
        (role, entry_point): {name: options[name] for name in CONNECTION}
        for role in API_ROLES
        for entry_point, options in role_options(role).items()
        if (role, entry_point) not in OFFLINE_ENTRY_POINTS
    }
    first = next(iter(specs.values()))
    assert all(spec == first for spec in specs.values()), specs
    assert first["vault_api_token"].get("no_log") and first["vault_api_secret_id"].get("no_log")
    environment = {
        "vault_api_url": "VAULT_ADDR",
        "vault_api_token": "VAULT_TOKEN",
        "vault_api_ca_cert": "VAULT_CACERT",
        "vault_api_namespace": "VAULT_NAMESPACE",
        "vault_api_role_id": "ANSIBLE_HASHI_VAULT_ROLE_ID",
        "vault_api_secret_id": "ANSIBLE_HASHI_VAULT_SECRET_ID",
    }
    for name, variable in environment.items():
        assert first[name]["default"] == f"{{{{ lookup('ansible.builtin.env', '{variable}') }}}}"


def test_roles_read_no_connection_of_the_play():
    """No role reads the playbooks' old connection dict or relies on a play's module_defaults:
    every role task file that calls the Vault API is under the role's own module_defaults."""
    for path in (REPO / "roles").glob("*/tasks/*.yml"):
        assert "vault_api_connection" not in path.read_text(), path
    assert not (REPO / "playbooks" / "vars").exists()
    for path in (REPO / "playbooks").glob("*.yml"):
        assert "module_defaults" not in path.read_text(), path


@pytest.mark.parametrize("name", ["connection.yml", "logout.yml"])
def test_connection_tasks_are_the_same_in_both_roles(name):
    """tasks/connection.yml (the login) and tasks/logout.yml (its token given up) are each one
    file kept in two roles: only the role name differs."""
    plugin = (REPO / "roles/oauthapp_plugin/tasks" / name).read_text()
    webex = (REPO / "roles/oauthapp_webex/tasks" / name).read_text()
    assert plugin.replace("oauthapp_plugin", "oauthapp_webex") == webex


def imported_roles(play: dict) -> list[dict]:
    """The play's roles and import_role/include_role tasks, in the order they run."""
    entries = []
    for section in ("pre_tasks", "roles", "tasks", "post_tasks"):
        for item in play.get(section) or []:
            if section == "roles":
                entries.append({"name": item["role"] if isinstance(item, dict) else item})
                continue
            for action in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
                if action in item:
                    entries.append(item[action])
    return entries


def without_descriptions(options: dict) -> dict:
    return {
        name: {k: v for k, v in spec.items() if k != "description"}
        for name, spec in options.items()
    }


@pytest.mark.parametrize(
    "playbook", sorted((REPO / "playbooks").glob("*.yml")), ids=lambda p: p.name
)
def test_a_skipped_argument_check_was_made_earlier_in_the_play(playbook):
    """An entry point imported with rolespec_validate: false (so that a play checks each spec
    once, playbooks/oauthapp.yml) declares no variable, type or default that an entry point of
    the same role, checked earlier in the same play, does not check the same way."""
    for play in load(playbook) or []:
        checked: list[tuple[str, dict]] = []
        for entry in imported_roles(play):
            role = entry["name"].split(".")[-1]
            options = without_descriptions(
                role_options(role).get(entry.get("tasks_from", "main"), {})
            )
            if entry.get("rolespec_validate", True):
                checked.append((role, options))
                continue
            assert options, (playbook.name, entry)
            assert any(
                earlier_role == role
                and all(earlier.get(name) == spec for name, spec in options.items())
                for earlier_role, earlier in checked
            ), (playbook.name, entry)


@pytest.mark.parametrize(
    "playbook", sorted((REPO / "playbooks").glob("*.yml")), ids=lambda p: p.name
)
def test_skipped_input_checks_were_made_earlier_in_the_play(playbook):
    """oauthapp_webex's `main` skips its own input checks only in a play that ran its `assert`
    entry point before it, under every tag of the role's stages (playbooks/oauthapp.yml)."""
    for play in load(playbook) or []:
        tasks = [*(play.get("pre_tasks") or []), *(play.get("tasks") or [])]
        for index, task in enumerate(tasks):
            if not (task.get("vars") or {}).get("__oauthapp_webex_inputs_checked"):
                continue
            assert task["ansible.builtin.import_role"]["name"].endswith(".oauthapp_webex")
            earlier = [
                t
                for t in tasks[:index]
                if (t.get("ansible.builtin.import_role") or {}).get("tasks_from") == "assert"
                and t["ansible.builtin.import_role"]["name"].endswith(".oauthapp_webex")
            ]
            assert earlier, (playbook.name, task["name"])
            assert {"oauthapp_engine", "oauthapp_server"} <= set(earlier[0].get("tags") or [])
