# Sourced by the benchmark scripts (bench.sh, bench-scale.sh): the one server they run at a
# time, in the background, and a scratch directory, both gone when the script ends however
# it ends.
#
#   $work           a fresh temporary directory for the run's stores
#   $server         the PID of the server running now (empty when none)
#   stop_server     stop it and wait until it has gone
#   wait_for_port   wait until it answers HTTP on $port (exit if it died first)

work=$(mktemp -d)
server=
stop_server() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  server=
}
trap 'stop_server; rm -rf "$work"' EXIT

wait_for_port() {
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    kill -0 "$server" || { echo "server did not start" >&2; exit 1; }
    sleep 0.2
  done
}
