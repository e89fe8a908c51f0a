# Shared by the scripts in scripts/: repository paths, the pinned tools on PATH, and reading anvil/*.toml.
# Source it; it defines functions and variables only.

EMTOKEN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EMTOKEN_TOOLS="$EMTOKEN_ROOT/.tools"
export PATH="$EMTOKEN_TOOLS/node_modules/.bin:$EMTOKEN_TOOLS/bin:$PATH"

# die MESSAGE: print one sentence naming the script and stop.
die() {
  printf '%s: %s\n' "$(basename "$0")" "$*" >&2
  exit 1
}

# toml_get FILE KEY [SECTION]: the value of a flat `key = value` line (quotes stripped), in SECTION
# or, without one, before the first [section]. Prints nothing when the key is absent.
# anvil/*.toml keep to this flat subset on purpose, so that shell and Rust read the same files.
toml_get() {
  local file=$1 key=$2 section=${3:-}
  awk -v key="$key" -v want="$section" '
    /^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); current = $0; next }
    current == want {
      line = $0
      sub(/#.*/, "", line)
      if (match(line, "^[[:space:]]*" key "[[:space:]]*=")) {
        value = substr(line, RLENGTH + 1)
        gsub(/^[[:space:]]+|[[:space:]]+$/, "", value)
        gsub(/^"|"$/, "", value)
        print value
        exit
      }
    }' "$file"
}

# toml_keys FILE SECTION: the keys of SECTION, in file order.
toml_keys() {
  awk -v want="$2" '
    /^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); current = $0; next }
    current == want && /^[[:space:]]*[A-Za-z0-9_]+[[:space:]]*=/ { sub(/[[:space:]]*=.*/, ""); gsub(/[[:space:]]/, ""); print }
  ' "$1"
}

# profile_file NAME: path of anvil/NAME.toml, or die naming the profiles that exist.
profile_file() {
  local file="$EMTOKEN_ROOT/anvil/$1.toml"
  if [ "$1" = accounts ] || [ ! -f "$file" ]; then
    local known
    known=$(cd "$EMTOKEN_ROOT/anvil" && ls ./*.toml | sed 's|^\./||; s|\.toml$||' | grep -vx accounts | paste -sd' ')
    die "unknown profile '$1': expected one of: $known"
  fi
  printf '%s\n' "$file"
}

# anvil_args PROFILE PORT: the anvil command-line arguments of a profile (one per line), from
# anvil/PROFILE.toml and anvil/accounts.toml. crates/test-utils maps the same keys the same way.
anvil_args() {
  local file accounts value
  file=$(profile_file "$1")
  accounts="$EMTOKEN_ROOT/anvil/accounts.toml"
  printf '%s\n' --host 127.0.0.1 --port "$2"
  printf '%s\n' --chain-id "$(toml_get "$file" chain_id)"
  printf '%s\n' --mnemonic "$(toml_get "$accounts" mnemonic)"
  printf '%s\n' --accounts "$(toml_get "$accounts" accounts)"
  printf '%s\n' --balance "$(toml_get "$accounts" balance_ether)"
  value=$(toml_get "$file" block_time)
  if [ -n "$value" ] && [ "$value" != 0 ]; then printf '%s\n' --block-time "$value"; fi
  for key in gas_limit gas_price base_fee hardfork; do
    value=$(toml_get "$file" "$key")
    if [ -n "$value" ]; then printf '%s\n' "--${key//_/-}" "$value"; fi
  done
  if [ "$(toml_get "$file" disable_min_priority_fee)" = true ]; then
    printf '%s\n' --disable-min-priority-fee
  fi
}
