"""Answers recorded from real servers, replayed by the unit tests of webex_vault and the
samples: OpenBao 2.7.2 with vault-plugin-secrets-oauthapp v3.1.1, HashiCorp Vault where it
differs, and Webex's REST API. Each is (status, JSON body)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

# A made-up token; it must never show up in a message.
ACCESS_TOKEN = "NjlhNDc0ZTgtZmFrZS1hY2Nlc3MtdG9rZW4"  # noqa: S105


def recorded_read_ok(seconds_left: float = 3600) -> dict[str, Any]:
    expire = datetime.now(UTC) + timedelta(seconds=seconds_left)
    return {
        "request_id": "f3105d46-5e31-8cc3-7380-3863b328ca50",
        "lease_id": "",
        "renewable": False,
        "lease_duration": 0,
        # The plugin prints nanoseconds: "2026-11-27T19:50:34.338326598Z".
        "data": {
            "access_token": ACCESS_TOKEN,
            "expire_time": expire.strftime("%Y-%m-%dT%H:%M:%S.%f") + "598Z",
            "server": "webex-myapp",
            "type": "Bearer",
        },
        "wrap_info": None,
        "warnings": None,
        "auth": None,
    }


Answer = tuple[int, dict[str, Any]]

CREDENTIAL_MISSING: Answer = (404, {"errors": []})
REFRESH_REVOKED = (
    400,
    {"errors": ["refresh failed: server rejected request: invalid_grant: refresh token revoked"]},
)
# A transient refresh failure (token endpoint answered 500) once fewer than minimum_seconds left.
TOKEN_EXPIRED = (400, {"errors": ["token expired"]})
SERVER_DELETED = (
    400,
    {
        "errors": [
            'server "tmpsrv" has configuration problems: server configuration does not exist '
            "(was it deleted?)"
        ]
    },
)
EXCHANGE_INVALID_GRANT = (
    400,
    {"errors": ["exchange failed: server rejected request: invalid_grant: code is invalid"]},
)
# The token endpoint answered 400 with a Webex-style body, which the plugin cannot classify.
EXCHANGE_UNCLASSIFIED = (500, {"errors": ["1 error occurred:\n\t* server rejected request: \n\n"]})
AUTH_CODE_URL_OK = (
    200,
    {
        "data": {
            "state": "CuEqLTRFOZ_V2tKAmoxJxZLBHcXnZN1GuLuABggTGKM",
            "url": "https://webexapis.com/v1/authorize?client_id=cid&redirect_uri=http%3A%2F%2F"
            "localhost%3A5000%2Fauth&response_type=code&scope=spark%3Apeople_read"
            "&state=CuEqLTRFOZ_V2tKAmoxJxZLBHcXnZN1GuLuABggTGKM",
        },
        "warnings": None,
    },
)
# HashiCorp Vault 1.17+ for a bad token (hashicorp/vault PR 26687); OpenBao sends a bare one.
VAULT_INVALID_TOKEN = (
    403,
    {"errors": ["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]},
)
# HashiCorp Vault 1.19 when the plugin file no longer matches its catalog sha256: every request
# to the mount tries to start it again (OpenBao answers 404 "route entry found, but backend is
# nil" after the first failed start).
VAULT_PLUGIN_CHECKSUM = (500, {"errors": ["1 error occurred:\n\t* checksums did not match\n\n"]})

WEBEX_401_MESSAGE = (
    "The request requires a valid access token set in the Authorization request header."
)
WEBEX_401 = {
    "message": WEBEX_401_MESSAGE,
    "errors": [{"description": WEBEX_401_MESSAGE}],
    "trackingId": "ROUTER_6543A1B2-ABCD-01BB-1234-0A1B2C3D4E5F",
}
PERSON = {
    "id": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY",
    "emails": ["alice@example.com"],
    "displayName": "Alice Example",
    "nickName": "Alice",
    "firstName": "Alice",
    "lastName": "Example",
    "orgId": "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8xZWI2NWZkZi05NjQzLTQxN2Yt"
    "OTk3NC1hZDcyY2FlMGUxMGY",
    "created": "2015-10-18T14:26:16.000Z",
    "status": "active",
    "type": "person",
}


def assert_one_sentence(message: str) -> None:
    assert "\n" not in message
    assert message[0].isupper() and message.endswith("."), message
    assert ACCESS_TOKEN not in message


# --- The credential report: the plugin's warnings (both distributions word them alike) --------

REFRESH_FAILING_WARNING = (
    "2 attempt(s) to refresh this token failed, most recently: refresh failed: oauth2: cannot "
    'fetch token: 503 SERVICE UNAVAILABLE\nResponse: {"error":"temporarily_unavailable",'
    '"error_description":"Injected by the Webex emulator\'s fault API."}'
)
REVOKED_WARNING = (
    "token will expire: refresh failed: server rejected request: invalid_grant: The refresh "
    "token is invalid, expired or revoked."
)


def recorded_read_warned(seconds_left: float, *warnings: str) -> Answer:
    """A read of a credential whose token still works, with the plugin's warnings."""
    body = recorded_read_ok(seconds_left)
    body["warnings"] = list(warnings) or None
    return 200, body


def index_answers(names: list[str], state_mount: str, mount: str) -> dict[tuple[str, str], Answer]:
    """(method, path) -> answer of a KV version 2 state mount holding index entries for names
    (one folder level, as the web app's webex/<id>): LIST of each folder, GET of each entry."""
    metadata = f"/v1/{state_mount}/metadata/{mount}/index"
    top = sorted({name.split("/")[0] + ("/" if "/" in name else "") for name in names})
    answers: dict[tuple[str, str], Answer] = {("LIST", metadata): (200, {"data": {"keys": top}})}
    for folder in {name.split("/")[0] for name in names if "/" in name}:
        below = sorted(name.split("/", 1)[1] for name in names if name.startswith(f"{folder}/"))
        answers[("LIST", f"{metadata}/{folder}")] = (200, {"data": {"keys": below}})
    for name in names:
        entry = {
            "name": name,
            "mount": mount,
            "server": "webex-myapp",
            "created_by": "test",
            "created_at": "2026-12-05T19:00:00Z",
        }
        answers[("GET", f"/v1/{state_mount}/data/{mount}/index/{name}")] = (
            200,
            {"data": {"data": entry, "metadata": {"version": 1}}},
        )
    return answers
