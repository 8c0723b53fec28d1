#!/usr/bin/env bash
# Production as docs/deployment.md describes it, from the tree this script is in, with DEBUG off:
# the environment, migrate, collectstatic, the places, the first account, gunicorn on a free
# 127.0.0.1 port; then log in, open a page and a static file, check that each answers 200, and stop
# gunicorn. Once for each database named on the command line (default: both):
#
#   scripts/check_production.sh [sqlite] [postgres]
#
# Everything it writes (database file, static root, media, logs) goes to a temporary directory.
# CHECK_POSTGRES_URL: the scratch PostgreSQL database, dropped and created again
#   (default postgres://postgres@127.0.0.1:5432/sanwen_deploy_check).
# CHECK_PORTS: the ports to try for gunicorn (default 18100-18199).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
POSTGRES_URL=${CHECK_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/sanwen_deploy_check}
PORTS=${CHECK_PORTS:-18100-18199}
USERNAME=operator
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')

make --no-print-directory setup >/dev/null  # the page's first step (nothing to do when it has been done)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sanwen-check.XXXXXX")
GUNICORN_PID=""
stop_gunicorn() {
  if [ -n "$GUNICORN_PID" ]; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
    GUNICORN_PID=""
  fi
}
cleanup() {
  stop_gunicorn
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAILED: $*" >&2
  [ -f "$WORK/gunicorn.log" ] && tail -n 40 "$WORK/gunicorn.log" >&2
  exit 1
}

free_port() {
  "$BIN/python" - "${PORTS%-*}" "${PORTS#*-}" <<'EOF'
import socket
import sys

for port in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    sys.exit("no free port in the range")
EOF
}

# GET or POST with the cookie jar; prints the status code (and the Location of a redirect).
http() {
  curl -sS --max-time 30 -o "$WORK/body" -w '%{http_code} %{redirect_url}' -c "$WORK/cookies" -b "$WORK/cookies" "$@"
}

check_one() {
  local database=$1
  echo "== production check: $database"
  rm -rf "${WORK:?}"/*
  # The environment of docs/deployment.md; plain HTTP on 127.0.0.1, as an intranet would serve it.
  local -a env=(
    "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SECURE_COOKIES=false
    "SANWEN_VAR_DIR=$WORK/var" "STATIC_ROOT=$WORK/var/static" "MEDIA_ROOT=$WORK/var/media"
  )
  case $database in
    sqlite) env+=("SQLITE_PATH=$WORK/var/sanwen.sqlite3" DATABASE_URL=) ;;
    postgres)
      local name=${POSTGRES_URL##*/}
      PGOPTIONS="-c client_min_messages=warning" psql "${POSTGRES_URL%/*}/postgres" -q -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\"" >/dev/null
      env+=("DATABASE_URL=$POSTGRES_URL")
      ;;
    *) fail "unknown database $database (sqlite or postgres)" ;;
  esac
  run() { env "${env[@]}" "$@"; }
  mkdir -p "$WORK/var" # as the page says: SQLite creates the file, not its directory

  run "$BIN/sanwen" migrate --noinput -v0 || fail "migrate"
  run "$BIN/sanwen" collectstatic --noinput -v0 || fail "collectstatic"
  run "$BIN/sanwen" load_places >/dev/null || fail "load_places"
  run DJANGO_SUPERUSER_PASSWORD="$PASSWORD" "$BIN/sanwen" createsuperuser --noinput \
    --username "$USERNAME" --email operator@example.org >/dev/null || fail "createsuperuser"

  local port
  port=$(free_port)
  local base=http://127.0.0.1:$port
  # Started by `env` directly (not through a function, which would fork a subshell) so that $! is
  # gunicorn's master.
  env "${env[@]}" "$BIN/gunicorn" sanwen.wsgi -b "127.0.0.1:$port" -w 2 --graceful-timeout 5 \
    >"$WORK/gunicorn.log" 2>&1 &
  GUNICORN_PID=$!
  for _ in $(seq 1 60); do
    curl -s -o /dev/null --max-time 2 "$base/login/" && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || fail "gunicorn exited"
    sleep 0.5
  done

  local got
  got=$(http "$base/login/") || fail "GET /login/"
  [ "${got%% *}" = 200 ] || fail "GET /login/ answered $got"
  local token
  token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$WORK/body" | head -n1 | sed 's/.*value="//; s/"$//' || true)
  [ -n "$token" ] || fail "no CSRF token on the login page"
  got=$(http -H "Referer: $base/login/" --data-urlencode "csrfmiddlewaretoken=$token" \
    --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" "$base/login/") || fail "POST /login/"
  [ "$got" = "302 $base/" ] || fail "logging in answered $got, not a redirect to /"

  for page in / /admin/; do
    got=$(http "$base$page") || fail "GET $page"
    [ "${got%% *}" = 200 ] || fail "GET $page answered $got"
    grep -q "$USERNAME" "$WORK/body" || fail "GET $page is not the page of the logged-in user"
    [ "$page" = / ] && cp "$WORK/body" "$WORK/home"
  done
  # A static file by the hashed name the manifest gave it, as the home page links it.
  local css
  css=$(grep -o '/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]\{12\}\.css' "$WORK/home" | head -n1 || true)
  [ -n "$css" ] || fail "the page links no hashed bootstrap stylesheet"
  got=$(curl -sS --max-time 30 -o "$WORK/static" -w '%{http_code} %{content_type}' "$base$css") || fail "GET $css"
  [ "$got" = "200 text/css; charset=\"utf-8\"" ] || fail "GET $css answered $got"
  [ -s "$WORK/static" ] || fail "GET $css was empty"

  # The phone's service worker and every script it imports (by their hashed names), as a phone would load them.
  got=$(http "$base/field/sw.js") || fail "GET /field/sw.js"
  [ "${got%% *}" = 200 ] || fail "GET /field/sw.js answered $got"
  cp "$WORK/body" "$WORK/sw.js"
  local imported
  imported=$(grep -o '"/static/vendor/workbox/[^"]*\.js"' "$WORK/sw.js" | tr -d '"')
  [ -n "$imported" ] || fail "the service worker imports no Workbox script"
  for script in $imported; do
    got=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$base$script") || fail "GET $script"
    [ "$got" = 200 ] || fail "GET $script (imported by the service worker) answered $got"
  done

  stop_gunicorn
  echo "ok: $database — collectstatic, migrate, gunicorn on port $port; login, /, /admin/, $css, /field/sw.js and its $(echo "$imported" | wc -w) scripts answered 200"
}

databases=("$@")
[ ${#databases[@]} -gt 0 ] || databases=(sqlite postgres)
for database in "${databases[@]}"; do
  check_one "$database"
done
