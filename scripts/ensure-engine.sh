#!/usr/bin/env bash
# Find a Docker-API engine, or (Linux + apt + root) install Debian's docker.io and start dockerd.
# Used by `npm test`, `.ci/run` and `paddock doctor --fix`. Prints what it did on stderr.
# Exit 0: an engine answers (its socket path is printed on stdout). Exit 1: none, with a reason.
set -euo pipefail

say() { printf 'paddock-engine: %s\n' "$*" >&2; }

answers() { # $1 = DOCKER_HOST value
  DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

candidates=()
[ -n "${DOCKER_HOST:-}" ] && candidates+=("$DOCKER_HOST")
candidates+=("unix:///var/run/docker.sock")
[ -n "${XDG_RUNTIME_DIR:-}" ] && candidates+=("unix://$XDG_RUNTIME_DIR/podman/podman.sock" "unix://$XDG_RUNTIME_DIR/docker.sock")
candidates+=("unix:///run/podman/podman.sock")

if command -v docker >/dev/null 2>&1; then
  for c in "${candidates[@]}"; do
    if answers "$c"; then echo "$c"; exit 0; fi
  done
fi

how="Install Docker Engine (https://docs.docker.com/engine/install/) or Podman with its API socket, then set DOCKER_HOST if the socket is not /var/run/docker.sock."
if [ "$(uname -s)" != Linux ]; then say "no Docker-API engine answers. $how"; exit 1; fi
if [ "$(id -u)" != 0 ]; then say "no Docker-API engine answers and we are not root, so none can be installed here. $how"; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then say "no Docker-API engine answers and this machine has no apt-get. $how"; exit 1; fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "no engine answers; installing Debian's docker.io with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || { say "apt-get update failed"; exit 1; }
  apt-get install -y -qq --no-install-recommends docker.io iptables >&2 || { say "apt-get install docker.io failed"; exit 1; }
fi

log=/var/log/paddock-dockerd.log
say "starting dockerd in the background (log: $log)"
# Use a fresh pidfile each time; a stale one from a killed dockerd blocks start.
rm -f /var/run/docker.pid
nohup dockerd --host unix:///var/run/docker.sock >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if answers unix:///var/run/docker.sock; then
    say "dockerd is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    echo "unix:///var/run/docker.sock"; exit 0
  fi
  sleep 1
done
say "dockerd did not answer within 60 s; last lines of $log:"
tail -n 20 "$log" >&2 || true
exit 1
