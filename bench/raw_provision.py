#!/usr/bin/env python3
"""The floor for benchmark B1: what site.yml does, as one plain Python + hvac script.

It makes the same file changes and the same Vault API reads and writes as
`ansible-playbook site.yml` against the local inventory (dev server, plugin from the mirror,
engine, Webex configuration, app identities), each read -> compare -> write, with nothing else:
no task engine, no module processes. A second run, like the playbook's, only reads.

    python bench/raw_provision.py VARS_JSON

VARS_JSON is the extra-vars file a benchmark passes to ansible-playbook (tests/conftest.py
shape: webex_vault_local_dir, webex_vault_server_port, ...); WEBEX_CLIENT_ID and
WEBEX_CLIENT_SECRET come from the environment, as for the playbook. Values not in the file are
those of inventory/local and the role defaults. Benchmark harness only: dev mode, loopback.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import secrets
import shutil
import string
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import jinja2
import requests

REPO = Path(__file__).resolve().parent.parent
WEBEX_ROLE = REPO / "roles" / "oauthapp_webex"
BAO = Path(sys.executable).parent / "bao"
# The releases and the plugin's config defaults from the files the roles read.
DISTRIBUTIONS = {
    name: (release["binary_name"], release["default_version"])
    for name, release in json.loads(
        (REPO / "roles" / "oauthapp_plugin" / "files" / "releases.json").read_text()
    ).items()
}
CONFIG_DEFAULTS = json.loads(
    (REPO / "roles" / "oauthapp_webex" / "files" / "plugin_config_defaults.json").read_text()
)
ANSIBLE_MANAGED = "Ansible managed"


class Run:
    """Counts what changed, like a play recap."""

    def __init__(self) -> None:
        self.changed = 0
        self.api_calls = 0

    def change(self) -> None:
        self.changed += 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_dir(path: Path, mode: int, run: Run) -> None:
    if not path.is_dir():
        path.mkdir(parents=True)
        run.change()
    if path.stat().st_mode & 0o7777 != mode:
        path.chmod(mode)
        run.change()


def ensure_file(path: Path, content: str, mode: int, run: Run) -> None:
    if not path.is_file() or path.read_text() != content:
        path.write_text(content)
        run.change()
    if path.stat().st_mode & 0o7777 != mode:
        path.chmod(mode)
        run.change()


def health(session: requests.Session, url: str) -> int | None:
    try:
        return session.get(f"{url}/v1/sys/health", timeout=5).status_code
    except requests.RequestException:
        return None


# --- Stages -----------------------------------------------------------------------------------


def server_stage(v: dict[str, Any], session: requests.Session, run: Run) -> None:
    data_dir = Path(v["data_dir"])
    plugin_dir = data_dir / "plugins"
    ensure_dir(data_dir, 0o750, run)
    ensure_dir(plugin_dir, 0o750, run)
    hcl = (
        f"# {ANSIBLE_MANAGED}\n"
        "# Dev-mode additions: the listener, storage and unsealing come from `server -dev`.\n"
        f'plugin_directory = "{plugin_dir}"\n'
        "# Plugin processes reach the server through api_addr while a mount starts.\n"
        f'api_addr      = "{v["api_url"]}"\n'
        # OpenBao (the bench's server) has no mlock: the role writes disable_mlock for Vault only.
        'log_level     = "info"\n'
    )
    ensure_file(data_dir / "server.hcl", hcl, 0o640, run)
    token_file = data_dir / "root-token"
    if not token_file.exists():
        alphabet = string.ascii_letters + string.digits
        token_file.write_text("".join(secrets.choice(alphabet) for _ in range(40)))
        token_file.chmod(0o600)
        run.change()
    if health(session, v["api_url"]) is not None:
        return
    token = token_file.read_text()
    with (data_dir / "server.log").open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(BAO),
                "server",
                "-dev",
                f"-dev-listen-address={v['listen_address']}",
                f"-config={data_dir / 'server.hcl'}",
            ],
            env={**os.environ, "VAULT_DEV_ROOT_TOKEN_ID": token, "BAO_DEV_ROOT_TOKEN_ID": token},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (data_dir / "server.pid").write_text(f"{process.pid}\n")
    run.change()
    for _ in range(300):
        if health(session, v["api_url"]) == 200:
            return
        time.sleep(0.1)
    raise SystemExit("raw_provision: the dev server did not become active.")


def plugin_stage(v: dict[str, Any], client: hvac.Client, session: requests.Session, run: Run):
    binary_name, version = DISTRIBUTIONS[v["distribution"]]
    asset = f"{binary_name}-v{version}-linux-amd64"
    download_dir = Path(v["download_dir"])
    archive = download_dir / f"{asset}.tar.xz"
    unpack_dir = download_dir / asset
    command = f"{binary_name}-v{version}"
    catalog_path = f"sys/plugins/catalog/secret/oauthapp?version=v{version}"
    archive_url = f"{v['mirror_url']}/{v['distribution']}/v{version}/{asset}.tar.xz"

    ensure_dir(download_dir, 0o755, run)
    # As get_url with a checksum URL: fetch the published checksum every run, download only
    # when the file is missing or differs.
    expected = session.get(f"{archive_url}.sha256.asc", timeout=60).text.split()[0]
    if not archive.exists() or sha256_file(archive) != expected:
        response = session.get(archive_url, timeout=60)
        response.raise_for_status()
        if hashlib.sha256(response.content).hexdigest() != expected:
            raise SystemExit("raw_provision: the archive does not match its checksum.")
        archive.write_bytes(response.content)
        archive.chmod(0o644)
        run.change()
    ensure_dir(unpack_dir, 0o755, run)
    extracted = unpack_dir / asset
    if not extracted.exists():
        with lzma.open(archive) as xz, tarfile.open(fileobj=xz) as tar:
            tar.extractall(unpack_dir, filter="data")
        run.change()
    binary_sha256 = sha256_file(extracted)

    installed = Path(v["data_dir"]) / "plugins" / command
    reload_needed = False
    if not installed.exists() or sha256_file(installed) != binary_sha256:
        shutil.copyfile(extracted, installed)
        reload_needed = True
        run.change()
    if installed.stat().st_mode & 0o7777 != 0o750:
        installed.chmod(0o750)
        run.change()

    current = read_or_none(client, catalog_path, run)
    if (
        current is None
        or current.get("sha256") != binary_sha256
        or current.get("command") != command
    ):
        write(
            client,
            "sys/plugins/catalog/secret/oauthapp",
            {"sha256": binary_sha256, "command": command, "version": f"v{version}"},
            run,
        )
        reload_needed = True
    if reload_needed:
        write(client, "sys/plugins/reload/backend", {"plugin": "oauthapp"}, run)
    return f"v{version}"


def webex_stage(v: dict[str, Any], client: hvac.Client, plugin_version: str, run: Run) -> None:
    mount, state_mount, server = "oauthapp", "webex-vault-state", "webex-myapp"
    mounts = read_or_none(client, "sys/mounts", run) or {}
    engine = mounts.get(f"{mount}/")
    if engine is None:
        write(
            client,
            f"sys/mounts/{mount}",
            {
                "type": "oauthapp",
                "description": "Webex OAuth tokens (managed by webex-vault)",
                "config": {"plugin_version": plugin_version},
            },
            run,
        )
    elif engine.get("plugin_version", "") != plugin_version:
        write(client, f"sys/mounts/{mount}/tune", {"plugin_version": plugin_version}, run)
        write(client, "sys/plugins/reload/backend", {"mounts": [mount]}, run)
    if f"{state_mount}/" not in mounts:
        write(
            client,
            f"sys/mounts/{state_mount}",
            {
                "type": "kv",
                "description": "Fingerprints of configuration written by webex-vault (no secrets)",
                "options": {"version": "2"},
            },
            run,
        )

    config = {**CONFIG_DEFAULTS, **v["tuning"], "default_server": server}
    current = read_or_none(client, f"{mount}/config", run) or {}
    if any(str(current.get(key, "")) != str(value) for key, value in config.items()):
        write(client, f"{mount}/config", config, run)

    public = {
        "client_id": v["client_id"],
        "provider": "custom",
        "provider_options": {
            "auth_code_url": v["authorize_url"],
            "token_url": v["token_url"],
            "auth_style": "in_params",
        },
        "auth_url_params": {},
    }
    current = read_or_none(client, f"{mount}/servers/{server}", run) or {}
    fingerprint_path = f"{mount}/servers/{server}"
    stored = kv2_read(client, state_mount, fingerprint_path, run) or {}
    salt = stored.get("salt") or secrets.token_hex(16)
    full = {**public, "client_secret": v["client_secret"]}
    fingerprint = hashlib.sha256((salt + json.dumps(full, sort_keys=True)).encode()).hexdigest()
    if (
        any(current.get(key) != public[key] for key in ("client_id", "provider"))
        or current.get("provider_options", {}) != public["provider_options"]
        or current.get("auth_url_params", {}) != public["auth_url_params"]
        or stored.get("fingerprint") != fingerprint
    ):
        write(client, f"{mount}/servers/{server}", full, run)
    # As vault_kv2_write with read_before_write: read again, write only when different.
    desired = {"salt": salt, "fingerprint": fingerprint}
    if kv2_read(client, state_mount, fingerprint_path, run) != desired:
        run.api_calls += 1
        client.secrets.kv.v2.create_or_update_secret(
            path=fingerprint_path, secret=desired, mount_point=state_mount
        )
        run.change()


def prune_stage(client: hvac.Client, plugin_version: str, run: Run) -> None:
    """As the oauthapp_plugin role's prune entry point: deregister, and delete the binaries
    of, catalog versions of the plugin that no mount is configured for or runs."""
    catalog = read_or_none(client, "sys/plugins/catalog", run) or {}
    mounts = read_or_none(client, "sys/mounts", run) or {}
    used = {plugin_version}
    for mount in mounts.values():
        if isinstance(mount, dict) and mount.get("type") == "oauthapp":
            used.update((mount.get("plugin_version"), mount.get("running_plugin_version")))
    for entry in catalog.get("detailed", []):
        if (
            entry.get("type") == "secret"
            and entry.get("name") == "oauthapp"
            and not entry.get("builtin")
            and entry.get("version") not in used
        ):
            run.api_calls += 1
            client.adapter.delete(
                f"/v1/sys/plugins/catalog/secret/oauthapp?version={entry['version']}"
            )
            run.change()


def app_access_stage(v: dict[str, Any], client: hvac.Client, run: Run) -> None:
    approle, mount, server = "approle", "oauthapp", "webex-myapp"
    auth_methods = read_or_none(client, "sys/auth", run) or {}
    if f"{approle}/" not in auth_methods:
        write(
            client,
            f"sys/auth/{approle}",
            {"type": "approle", "description": "Identities of the webex-vault samples"},
            run,
        )
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(WEBEX_ROLE / "templates")),
        trim_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - HCL and .env files, not HTML
        # A template variable this script does not set fails here, instead of rendering empty
        # and making the raw script's files differ from the role's.
        undefined=jinja2.StrictUndefined,
    )
    context = {
        "ansible_managed": ANSIBLE_MANAGED,
        "oauthapp_webex_mount": mount,
        "oauthapp_webex_server_name": server,
        "oauthapp_webex_cli_credential": "people-me",
        "oauthapp_webex_app_credential_prefix": "webex",
        "oauthapp_webex_app_redirect_url": "http://localhost:5000/auth",
        "oauthapp_webex_app_scopes": ["spark:people_read"],
        "oauthapp_webex_app_secret_id_wrap_ttl": "",
        "oauthapp_webex_env_vault_addr": v["api_url"],
        "oauthapp_webex_approle_mount": approle,
        "oauthapp_webex_env_webex_api_base_url": v["webex_api_base_url"],
        "oauthapp_webex_state_mount": "webex-vault-state",
        # The local inventory gives no namespace and no CA (VAULT_NAMESPACE, VAULT_CACERT unset).
        "oauthapp_webex_env_vault_namespace": "",
        "oauthapp_webex_env_vault_cacert": "",
    }
    for name, env_file in (("webex-cli", v["cli_env_file"]), ("webex-app", v["app_env_file"])):
        policy = templates.get_template(f"{name}.hcl.j2").render(context)
        current = read_or_none(client, f"sys/policies/acl/{name}", run) or {}
        if current.get("policy", "") != policy:
            write(client, f"sys/policies/acl/{name}", {"policy": policy}, run)

        desired = {
            "token_policies": [name],
            "token_ttl": 900,
            "token_max_ttl": 3600,
            "secret_id_ttl": 2592000,
            "secret_id_num_uses": 0,
            "token_no_default_policy": True,
            # The local inventory's oauthapp_webex_app_bound_cidrs.
            "secret_id_bound_cidrs": ["127.0.0.1/32"],
            "token_bound_cidrs": ["127.0.0.1/32"],
        }
        current = read_or_none(client, f"auth/{approle}/role/{name}", run) or {}
        # The server answers a /32 (or /128) token CIDR as a bare address.
        compared = {**desired, "token_bound_cidrs": ["127.0.0.1"]}
        if {key: current.get(key) for key in desired} != compared:
            write(client, f"auth/{approle}/role/{name}", desired, run)

        if not env_file:
            continue
        role_id = (read_or_none(client, f"auth/{approle}/role/{name}/role-id", run) or {})[
            "role_id"
        ]
        known = read_env_value(Path(env_file), "VAULT_SECRET_ID")
        valid = False
        if known:
            run.api_calls += 1
            try:
                answer = client.write_data(
                    f"auth/{approle}/role/{name}/secret-id/lookup", data={"secret_id": known}
                )
            except hvac.exceptions.VaultError:
                answer = None
            valid = bool(isinstance(answer, dict) and answer.get("data"))
        secret_id = known
        if not valid:
            answer = write(
                client,
                f"auth/{approle}/role/{name}/secret-id",
                {"metadata": '{"issued_by": "webex-vault app_access"}'},
                run,
            )
            secret_id = answer["data"]["secret_id"]
        # The role's approle_identity writes the template's lines, then the two IDs.
        content = (
            templates.get_template("sample.env.j2")
            .render(context, __identity={"name": name})
            .rstrip("\n")
            + f"\nVAULT_ROLE_ID={role_id}\nVAULT_SECRET_ID={secret_id}\n"
        )
        ensure_file(Path(env_file), content, 0o600, run)


# --- Vault helpers ----------------------------------------------------------------------------


def read_or_none(client: hvac.Client, path: str, run: Run) -> dict[str, Any] | None:
    run.api_calls += 1
    try:
        response = client.adapter.get(f"/v1/{path}")
    except hvac.exceptions.InvalidPath:
        return None
    if not isinstance(response, dict):
        return None
    return response.get("data")


def write(client: hvac.Client, path: str, data: dict[str, Any], run: Run) -> Any:
    run.api_calls += 1
    run.change()
    return client.write_data(path, data=data)


def kv2_read(client: hvac.Client, mount: str, path: str, run: Run) -> dict[str, Any] | None:
    run.api_calls += 1
    try:
        return client.secrets.kv.v2.read_secret_version(
            path=path, mount_point=mount, raise_on_deleted_version=True
        )["data"]["data"]
    except hvac.exceptions.InvalidPath:
        return None


def read_env_value(path: Path, key: str) -> str:
    if not path.is_file():
        return ""
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.strip()
    return ""


# --- Main -------------------------------------------------------------------------------------


def settings(vars_file: Path) -> dict[str, Any]:
    given = json.loads(vars_file.read_text())
    local_dir = Path(given.get("webex_vault_local_dir", REPO / ".local"))
    server_port = given.get("webex_vault_server_port", 8200)
    emulator_port = given.get("webex_vault_emulator_port", 8600)
    mirror_port = given.get("webex_vault_mirror_port", 8601)
    client_id = os.environ.get("WEBEX_CLIENT_ID", "")
    client_secret = os.environ.get("WEBEX_CLIENT_SECRET", "")
    if not client_id or not client_secret:
        raise SystemExit("raw_provision: set WEBEX_CLIENT_ID and WEBEX_CLIENT_SECRET.")
    return {
        "data_dir": str(local_dir / "server"),
        "download_dir": str(local_dir / "downloads"),
        "listen_address": f"127.0.0.1:{server_port}",
        "api_url": f"http://127.0.0.1:{server_port}",
        "mirror_url": f"http://127.0.0.1:{mirror_port}",
        "distribution": given.get("oauthapp_plugin_distribution", "puppetlabs"),
        "authorize_url": f"http://127.0.0.1:{emulator_port}/v1/authorize",
        "token_url": f"http://127.0.0.1:{emulator_port}/v1/access_token",
        "webex_api_base_url": f"http://127.0.0.1:{emulator_port}/v1",
        "client_id": client_id,
        "client_secret": client_secret,
        "tuning": given.get("oauthapp_webex_tuning", {}),
        "cli_env_file": given.get("oauthapp_webex_cli_env_file", ""),
        "app_env_file": given.get("oauthapp_webex_app_env_file", ""),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    v = settings(Path(argv[0]))
    run = Run()
    with requests.Session() as session:
        server_stage(v, session, run)
        client = hvac.Client(
            url=v["api_url"], token=(Path(v["data_dir"]) / "root-token").read_text(), timeout=60
        )
        if health(session, v["api_url"]) != 200:
            raise SystemExit("raw_provision: the server is not active.")
        plugin_version = plugin_stage(v, client, session, run)
        webex_stage(v, client, plugin_version, run)
        prune_stage(client, plugin_version, run)
        if health(session, v["api_url"]) != 200:
            raise SystemExit("raw_provision: the server is not active.")
        app_access_stage(v, client, run)
    print(json.dumps({"changed": run.changed, "api_calls": run.api_calls}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
