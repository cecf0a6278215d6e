# shellcheck shell=bash
# Functions to install, start and stop the moto server the AWS integration tests use.
# Sourced by .ci/run and .ci/moto-up; not run on its own.
#
#   moto_install          creates .ci/.venv and installs .ci/moto-requirements.txt (pinned);
#                         skipped when the venv already holds exactly those requirements
#   moto_start            starts moto_server on a free 127.0.0.1 port, waits until it answers,
#                         and exports CMEK_TEST_MOTO_ENDPOINT; its pid is in MOTO_PID
#   moto_stop             stops the server started by moto_start (by its pid only)

MOTO_CI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MOTO_VENV="$MOTO_CI_DIR/.venv"
MOTO_REQUIREMENTS="$MOTO_CI_DIR/moto-requirements.txt"
MOTO_RUN_DIR="$MOTO_CI_DIR/.moto"
MOTO_PID=""

moto_python() {
  if command -v python3 >/dev/null 2>&1; then
    echo python3
  elif command -v python >/dev/null 2>&1; then
    echo python
  else
    echo "moto: python3 is required to run the AWS integration tests" >&2
    return 1
  fi
}

moto_install() {
  local stamp="$MOTO_VENV/.requirements.sha256"
  local want
  want="$(sha256sum "$MOTO_REQUIREMENTS" | cut -d' ' -f1)"
  if [[ -x "$MOTO_VENV/bin/moto_server" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "moto: $MOTO_VENV is up to date"
    return 0
  fi
  local py
  py="$(moto_python)"
  rm -rf "$MOTO_VENV"
  "$py" -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-virtualenv -r "$MOTO_REQUIREMENTS"
  echo "$want" >"$stamp"
  echo "moto: installed $("$MOTO_VENV/bin/python" -c 'import moto; print("moto", moto.__version__)')"
}

moto_free_port() {
  "$MOTO_VENV/bin/python" - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

moto_start() {
  mkdir -p "$MOTO_RUN_DIR"
  local attempt port
  for attempt in 1 2 3; do
    port="$(moto_free_port)"
    "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$MOTO_RUN_DIR/server.log" 2>&1 &
    MOTO_PID=$!
    # Wait (at most 30 s) until STS answers: moto is up and serving.
    if "$MOTO_VENV/bin/python" - "$port" <<'PY'
import sys, time, urllib.request
url = "http://127.0.0.1:%s/moto-api/" % sys.argv[1]
deadline = time.time() + 30
while time.time() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PY
    then
      export CMEK_TEST_MOTO_ENDPOINT="http://127.0.0.1:$port"
      echo "$MOTO_PID" >"$MOTO_RUN_DIR/pid"
      echo "$CMEK_TEST_MOTO_ENDPOINT" >"$MOTO_RUN_DIR/endpoint"
      echo "moto: serving at $CMEK_TEST_MOTO_ENDPOINT (pid $MOTO_PID)"
      return 0
    fi
    echo "moto: attempt $attempt on port $port did not come up:" >&2
    tail -n 20 "$MOTO_RUN_DIR/server.log" >&2 || true
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=""
  done
  return 1
}

moto_stop() {
  local pid="${MOTO_PID:-}"
  if [[ -z "$pid" && -f "$MOTO_RUN_DIR/pid" ]]; then
    pid="$(cat "$MOTO_RUN_DIR/pid")"
  fi
  # Only ever the server this script started: a pid from the file must still be moto_server.
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q moto_server; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "moto: stopped (pid $pid)"
  fi
  rm -f "$MOTO_RUN_DIR/pid" "$MOTO_RUN_DIR/endpoint"
  MOTO_PID=""
}
