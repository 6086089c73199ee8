# Sourced by the plugin tools: the plugin releases as the oauthapp_plugin role knows them, from
# its one source, roles/oauthapp_plugin/files/releases.json.
#
#   release_field <distribution> <field>   # module, binary_name, release_base_url, default_version
release_field() {
  python3 - "$(dirname "${BASH_SOURCE[0]}")/../../roles/oauthapp_plugin/files/releases.json" "$1" "$2" <<'PY'
import json, sys
releases = json.load(open(sys.argv[1]))
if sys.argv[2] not in releases:
    sys.exit(f"--distribution must be one of {', '.join(sorted(releases))}, not '{sys.argv[2]}'.")
print(releases[sys.argv[2]][sys.argv[3]])
PY
}
