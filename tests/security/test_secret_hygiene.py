"""No client secret, access token, refresh token or authorization code in clear anywhere we write.

The real values come from the Webex side: the security stack's emulator records every code,
access token and refresh token it issues (the test wraps two methods of the in-process emulator
object; the emulator's code is unchanged), and its client secret is known. Refresh tokens never
leave the plugin, so the emulator's record is the only way to know them.

What is searched:
- the output of the stack's first converge, site.yml at -vvv (stdout and stderr);
- the output of the CLI sample and of the authorization helper, run here;
- every file under the stack's work directory: the server log, the audit log of the file audit
  device declared for these tests, the samples' settings files, the server configuration,
  the playbook variables (downloaded archives and plugin binaries excepted);
- the emulator's request log and the security tests' own reports in tests/output/;
- the configuration fingerprints in the KV state mount.

The audit device HMACs every string of a request and a response; the test also checks that
the tokens did pass through it, hashed, with sys/audit-hash.
"""

from __future__ import annotations

import json
import time

import pytest
from dotenv import dotenv_values

from webex_vault_testing.base import OUTPUT_DIR
from webex_vault_testing.oauthapp import MOUNT, authorize_credential, raw
from webex_vault_testing.processes import run_sample

pytestmark = pytest.mark.integration

SKIPPED_DIRS = {"downloads", "plugins", "raft"}
MAX_FILE_BYTES = 50 * 1024 * 1024


def files_to_scan(root):
    for path in sorted(root.rglob("*")):
        skipped = SKIPPED_DIRS & set(path.relative_to(root).parts)
        if path.is_file() and not skipped and path.stat().st_size <= MAX_FILE_BYTES:
            yield path


def test_no_secret_appears_in_clear(security_stack, security_emulator):
    stack, emulator = security_stack, security_emulator
    url, root = stack.url, stack.root_token
    exhibits: dict[str, str] = {
        "site.yml -vvv stdout": stack.first_run.stdout,
        "site.yml -vvv stderr": stack.first_run.stderr,
    }

    helper = run_sample(
        "authorize_user.py",
        {"VAULT_ADDR": url, "VAULT_TOKEN": root},
        "--credential",
        "people-me",
    )
    assert helper.returncode == 0, helper.stderr
    cli = run_sample("people_me.py", {"WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file)})
    assert cli.returncode == 0, cli.stderr
    failing_cli = run_sample(
        "people_me.py",
        {"WEBEX_VAULT_ENV_FILE": str(stack.cli_env_file), "OAUTHAPP_CREDENTIAL": "not-mine"},
        "--debug",
    )
    assert failing_cli.returncode == 9
    for name, result in (("helper", helper), ("cli", cli), ("cli --debug", failing_cli)):
        exhibits[f"{name} stdout"] = result.stdout
        exhibits[f"{name} stderr"] = result.stderr

    # A refresh, so that refresh tokens travel too (plugin -> emulator, never through the API).
    emulator.settings(access_token_lifetime=60)
    authorize_credential(stack.client(), "hygiene-refresh")
    time.sleep(2.1)
    raw(stack, "GET", f"{MOUNT}/creds/hygiene-refresh", params={"minimum_seconds": 58})
    assert emulator.stats()["grant_types"]["refresh_token"] > 0

    fingerprints = stack.client().secrets.kv.v2.read_secret_version(
        path=f"{MOUNT}/servers/webex-myapp",
        mount_point="webex-vault-state",
        raise_on_deleted_version=True,
    )
    exhibits["KV state fingerprints"] = json.dumps(fingerprints["data"]["data"])

    for path in files_to_scan(stack.work_dir):
        exhibits[str(path)] = path.read_bytes().decode("utf-8", "replace")
    for path in sorted(OUTPUT_DIR.glob("security-*")) + sorted(OUTPUT_DIR.glob("load_readers*")):
        exhibits[str(path)] = path.read_text(errors="replace")

    values = emulator.all_secrets()
    assert stack.audit_log.exists() and stack.audit_log.stat().st_size > 0
    assert str(stack.audit_log) in exhibits
    counts = {kind: len(found) for kind, found in values.items()}
    assert counts["codes"] > 0 and counts["access_tokens"] > 0 and counts["refresh_tokens"] > 0

    leaks = [
        f"{kind} in {where}"
        for kind, found in values.items()
        for value in found
        for where, text in exhibits.items()
        if value in text
    ]
    # The samples' AppRole secret IDs belong in their settings files, and nowhere else.
    secret_ids = {
        dotenv_values(path)["VAULT_SECRET_ID"] for path in (stack.cli_env_file, stack.app_env_file)
    }
    leaks += [
        f"a secret_id in {where}"
        for value in secret_ids
        for where, text in exhibits.items()
        if value in text and where not in (str(stack.cli_env_file), str(stack.app_env_file))
    ]
    report = {
        "secrets_checked": {**counts, "approle_secret_ids": len(secret_ids)},
        # Not a Webex secret, so not a failure: `server -dev` prints its root token at start.
        "root_token_found_in": [where for where, text in exhibits.items() if root in text],
        "exhibits": len(exhibits),
        "bytes_scanned": sum(len(text) for text in exhibits.values()),
        "leaks": leaks,
    }
    (OUTPUT_DIR / "security-hygiene.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nsecret hygiene: {report}")
    assert leaks == []

    # The tokens did go through the audit device, hashed: the HMAC of the access token the CLI
    # read is in the audit log, the token itself is not (checked above).
    token = raw(stack, "GET", f"{MOUNT}/creds/people-me")[1]["data"]["access_token"]
    status, body = raw(stack, "PUT", "sys/audit-hash/security-tests", json={"input": token})
    assert status == 200, body
    audit_text = stack.audit_log.read_text()
    assert body["data"]["hash"] in audit_text
    assert stack.audit_log.stat().st_mode & 0o077 == 0, "the audit log must be private"
