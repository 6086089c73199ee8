"""One way to Vault, checked on the repository's files: the product (the collection's plugins
and the packages in src/) imports no private module of Ansible or of community.hashi_vault and
touches no internals of ansible.module_utils.basic or the action base; the roles call the Vault
API through the collection's actions only (no uri, no community.hashi_vault), never make a
token or secret ID a fact, and never end the caller's play."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", ".local", ".git", ".ansible", ".pytest_cache", ".ruff_cache", "output"}


def python_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = sorted(name for name in dirs if name not in SKIPPED_DIRS)
        found += [Path(folder) / name for name in sorted(files) if name.endswith(".py")]
    return found


# --- Private internals -------------------------------------------------------------------

# The product: the collection's plugins and the installable packages.
PRODUCT = ("plugins", "src")
# Names that reach into Ansible's internals: AnsibleModule's argument globals and the action
# base's parser of a module's raw output.
INTERNALS = {"_ANSIBLE_ARGS", "_ANSIBLE_PROFILE", "_parse_returned_data"}


def private_uses(path: Path) -> list[str]:
    """Each import of a private (_-prefixed) module or name of Ansible or of a collection
    (community.hashi_vault's _authenticator, _connection_options, ...), each use of
    ansible.module_utils.basic's private names, and each name in INTERNALS."""
    where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            modules, names = [alias.name for alias in node.names], []
        elif isinstance(node, ast.Attribute):
            base = node.value.id if isinstance(node.value, ast.Name) else ""
            if node.attr in INTERNALS or (base == "basic" and node.attr.startswith("_")):
                found.append(f"{where}:{node.lineno} .{node.attr}")
            continue
        else:
            continue
        for module in modules:
            if module.split(".")[0] not in ("ansible", "ansible_collections"):
                continue
            parts = module.split(".")
            private = [part for part in parts if part.startswith("_")]
            private += [name for name in names if name.startswith("_")]
            if private:
                found.append(f"{where}:{node.lineno} {module} {private}")
    return found


def test_private_uses_are_found(tmp_path) -> None:
    """The check itself finds each kind of private use it looks for."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from ansible_collections.community.hashi_vault.plugins.module_utils."
        "_authenticator import HashiVaultAuthenticator\n"
        "from ansible.module_utils import basic\n"
        "basic._ANSIBLE_ARGS = b''\n"
        "self._parse_returned_data({})\n"
        "from ansible.module_utils.basic import _load_params\n"
    )
    assert len(private_uses(sample)) == 4


def test_the_product_uses_no_private_internals() -> None:
    offenders = [
        use
        for path in python_files()
        if path.relative_to(REPO).parts[0] in PRODUCT
        for use in private_uses(path)
    ]
    assert offenders == []


# --- Roles: one way to Vault, and the caller's play left alone ------------------------------

ROLE_TASK_FILES = ("tasks", "handlers")
# Keys of a task that hold other tasks.
NESTED = ("block", "rescue", "always")
# What a role must never do to the caller's play.
ENDINGS = {"end_host", "end_play", "end_batch"}
HASHI_VAULT = "community.hashi_vault."
# What a token or a secret ID is called wherever a role could hold one.
# A token or secret ID by name; the role settings named after secret IDs (their TTL, bound
# networks, uses, renewal share) hold none.
SECRETS = re.compile(
    r"client_token|root_token|secret_id(?!_(ttl|bound_cidrs|num_uses|renew_share))"
)
HASHI_VAULT_LOOKUP = re.compile(r"""(lookup|query)\(\s*['"]community\.hashi_vault\.""")


def role_tasks(document) -> list[dict]:
    """Every task of a task file, those inside blocks included."""
    found = []
    for task in document or []:
        if not isinstance(task, dict):
            continue
        found.append(task)
        for key in NESTED:
            found += role_tasks(task.get(key))
    return found


def role_offences(path: Path) -> list[str]:
    """Each uri call to the Vault API, each use of a community.hashi_vault module or lookup,
    each meta task that ends the play (or the host's part in it), and each set_fact of a
    token or secret ID, in one task file."""
    import yaml

    where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    found = []
    for task in role_tasks(yaml.safe_load(path.read_text(encoding="utf-8"))):
        name = task.get("name", "?")
        own = {key: value for key, value in task.items() if key not in NESTED}
        modules = [key for key in own if str(key).startswith(HASHI_VAULT)]
        if modules or HASHI_VAULT_LOOKUP.search(json.dumps(own, default=str)):
            found.append(f"{where}: '{name}' uses community.hashi_vault")
        uri = task.get("ansible.builtin.uri") or task.get("uri")
        url = str(uri.get("url")) if isinstance(uri, dict) else ""
        if "/v1/" in url or "vault" in url:
            found.append(f"{where}: '{name}' calls the Vault API with uri")
        meta = task.get("ansible.builtin.meta") or task.get("meta")
        if meta in ENDINGS:
            found.append(f"{where}: '{name}' is meta {meta}")
        facts = task.get("ansible.builtin.set_fact") or task.get("set_fact")
        if facts and SECRETS.search(str(facts)):
            found.append(f"{where}: '{name}' makes a token or secret ID a fact")
    return found


def test_role_offences_are_found(tmp_path) -> None:
    """The check itself finds each kind of offence it looks for."""
    sample = tmp_path / "main.yml"
    sample.write_text(
        "- name: Read the health\n"
        "  ansible.builtin.uri:\n"
        "    url: '{{ vault_server_api_addr }}/v1/sys/health'\n"
        "- name: Read a secret\n"
        "  block:\n"
        "    - name: Lookup\n"
        "      ansible.builtin.debug:\n"
        "        msg: \"{{ lookup('community.hashi_vault.vault_read', 'x') }}\"\n"
        "  always:\n"
        "    - name: Leave\n"
        "      ansible.builtin.meta: end_host\n"
        "- name: Keep the token\n"
        "  ansible.builtin.set_fact:\n"
        "    token: '{{ login.login.auth.client_token }}'\n"
        "- name: Keep the secret ID\n"
        "  ansible.builtin.set_fact:\n"
        "    kept: '{{ vault_api_secret_id }}'\n"
        "- name: Keep a secret ID's settings, which hold none\n"
        "  ansible.builtin.set_fact:\n"
        "    pin: {secret_id_ttl: '60', secret_id_bound_cidrs: [], secret_id_num_uses: '0'}\n"
    )
    assert len(role_offences(sample)) == 5


def test_roles_reach_vault_through_the_collection_and_never_end_the_play() -> None:
    paths = [
        path
        for folder in ROLE_TASK_FILES
        for path in sorted((REPO / "roles").glob(f"*/{folder}/*.yml"))
    ]
    assert len(paths) > 20
    offenders = [offence for path in paths for offence in role_offences(path)]
    # Templates and variables may not look anything up through community.hashi_vault either.
    offenders += [
        str(path.relative_to(REPO))
        for folder in ("templates", "vars", "defaults")
        for path in sorted((REPO / "roles").glob(f"*/{folder}/*"))
        if HASHI_VAULT_LOOKUP.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
