# Sourced by scripts/*/down.sh: stops a daemon by the PID its up.sh recorded, never by name.
# The caller defines log() and an ownership check (see stop_recorded).

# True while PID $1 exists and is not a zombie (daemons are reparented to PID 1, which may be
# slow to reap them, and kill -0 succeeds on a zombie).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# stop_recorded NAME PIDFILE SECONDS OWNED: TERM, wait up to SECONDS, then KILL. Only when the
# function OWNED, called as `OWNED NAME PID`, says the PID is still our daemon: a guard against a
# PID reused by an unrelated process after the daemon died.
stop_recorded() {
  local name=$1 pidfile=$2 seconds=$3 owned=$4 pid i
  if [[ ! -s $pidfile ]]; then
    log "$name: no pid file, nothing to stop"
    return 0
  fi
  pid=$(<"$pidfile")
  if ! [[ $pid =~ ^[0-9]+$ ]] || ! running "$pid" || ! "$owned" "$name" "$pid"; then
    log "$name: not running (stale pid ${pid:-?})"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 5; i++)); do
    if ! running "$pid"; then
      rm -f "$pidfile"
      log "$name: stopped (pid $pid)"
      return 0
    fi
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 25; i++)); do running "$pid" || break; sleep 0.2; done
  rm -f "$pidfile"
  log "$name: killed after $seconds s (pid $pid)"
}
