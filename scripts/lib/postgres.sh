# A throwaway PostgreSQL cluster for the tests. Source it, then call `pg_throwaway_start`: it exports
# DATABASE_URL and registers its own removal at exit (even on failure or Ctrl-C).

# pg_bin NAME: the path of a PostgreSQL server binary (initdb, pg_ctl), from PATH or Debian's layout.
pg_bin() {
  if command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/$1" ]; then
    printf '%s\n' "$dir/$1"
  fi
}

pg_install_if_missing() {
  [ -n "$(pg_bin initdb)" ] && [ -n "$(pg_bin pg_ctl)" ] && return
  echo "test: PostgreSQL server binaries missing: installing them with apt-get"
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql; } >/dev/null 2>&1 ||
    die "PostgreSQL is not installed and apt-get could not install it: install the postgresql package or set DATABASE_URL."
  [ -n "$(pg_bin initdb)" ] || die "apt-get installed postgresql but initdb is still missing: set DATABASE_URL."
}

# as_pg_user COMMAND...: PostgreSQL refuses to run as root; run as the postgres user when we are root.
as_pg_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_throwaway_stop() {
  if [ -n "${PG_THROWAWAY_DIR:-}" ] && [ -d "$PG_THROWAWAY_DIR" ]; then
    as_pg_user "$(pg_bin pg_ctl)" -D "$PG_THROWAWAY_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_THROWAWAY_DIR"
  fi
  PG_THROWAWAY_DIR=
}

# pg_throwaway_start [SETTINGS]: a throwaway cluster; SETTINGS are more server options ("-c name=value ..."),
# after the defaults below, so they win.
pg_throwaway_start() {
  local settings=${1:-}
  pg_install_if_missing
  PG_THROWAWAY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/emtoken-pg.XXXXXX")
  trap pg_throwaway_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_THROWAWAY_DIR"
  local port
  port=$(pg_free_port)
  as_pg_user "$(pg_bin initdb)" -D "$PG_THROWAWAY_DIR/data" -A trust -U postgres --no-sync >"$PG_THROWAWAY_DIR/initdb.log" 2>&1 ||
    die "initdb failed: $(tail -n 3 "$PG_THROWAWAY_DIR/initdb.log")"
  # Durability is pointless for a cluster that dies with the run; many connections, for tests in parallel.
  as_pg_user "$(pg_bin pg_ctl)" -D "$PG_THROWAWAY_DIR/data" -l "$PG_THROWAWAY_DIR/server.log" -w \
    -o "-p $port -k $PG_THROWAWAY_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300${settings:+ $settings}" \
    start >/dev/null 2>&1 ||
    die "the throwaway PostgreSQL did not start: $(tail -n 3 "$PG_THROWAWAY_DIR/server.log" 2>/dev/null)"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}
