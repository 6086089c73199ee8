#!/bin/sh
# Print the Webex display name of the user whose access token the agent keeps in a file.
#
#     samples/people_me.sh [TOKEN_FILE]
#
# No Vault code and no client library: the agent (roles/oauthapp_agent) logs in to Vault,
# reads the credential and writes a fresh access token into a file before the old one expires;
# this script reads the file at each run and calls GET /v1/people/me with curl.
#
# Settings (environment):
#   WEBEX_ACCESS_TOKEN       the token itself (from the agent's env file: `set -a; . FILE`);
#                            when set, no file is read
#   WEBEX_ACCESS_TOKEN_FILE  the agent's token file, if not given as TOKEN_FILE
#                            (default /run/webex-agent-people-me/people-me.token)
#   WEBEX_API_BASE_URL       default https://webexapis.com/v1 (the emulator in the demo)
#
# Exit codes (as samples/people_me.py; a failure prints one sentence on stderr):
#   0 success, 1 other error, 2 invalid settings (no readable token file), 5 Webex rejected the
#   access token (401), 6 Webex is rate-limiting (429), 14 Webex cannot be reached or gave an
#   unexpected answer.
set -u

fail() { # exit code, sentence
  echo "people_me.sh: $2" >&2
  exit "$1"
}

base_url="${WEBEX_API_BASE_URL:-https://webexapis.com/v1}"
case "$base_url" in
  https://*|http://127.*|http://localhost*) ;;
  *) fail 2 "WEBEX_API_BASE_URL must be an https:// URL (http:// only on loopback), not '$base_url'." ;;
esac

token="${WEBEX_ACCESS_TOKEN:-}"
if [ -z "$token" ]; then
  file="${1:-${WEBEX_ACCESS_TOKEN_FILE:-/run/webex-agent-people-me/people-me.token}}"
  [ -f "$file" ] && [ -r "$file" ] || fail 2 "cannot read the token file $file: is the agent running, and is this the app's user?"
  # Read at every run: the agent replaces the file (atomically) before the token expires.
  token="$(cat "$file")" || fail 2 "cannot read the token file $file."
  [ -n "$token" ] || fail 2 "the token file $file is empty."
fi

# The token goes to curl on its standard input (-H @-), never on a command line that other
# users could see in the process list.
answer="$(printf 'Authorization: Bearer %s\n' "$token" |
  curl --silent --max-time 30 --header @- \
    --write-out '\n%{http_code}' "${base_url%/}/people/me")" ||
  fail 14 "Webex cannot be reached at $base_url."
status="$(printf '%s\n' "$answer" | tail -n 1)"
body="$(printf '%s\n' "$answer" | sed '$d')"

case "$status" in
  200) ;;
  401) fail 5 "Webex rejected the access token (401): is the agent running, and authorized?" ;;
  429) fail 6 "Webex is rate-limiting (429): wait a minute and try again." ;;
  *) fail 14 "Webex answered HTTP $status to GET /people/me." ;;
esac

# The displayName of the answer (JSON): with jq when installed, else Python's json module.
if command -v jq >/dev/null 2>&1; then
  name="$(printf '%s' "$body" | jq -r '.displayName // empty')"
else
  name="$(printf '%s' "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("displayName", ""))')"
fi || fail 14 "Webex gave an answer that is not JSON."
echo "User displayName: $name"
