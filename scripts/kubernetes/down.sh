#!/usr/bin/env bash
# Stops the Kubernetes control plane started by scripts/kubernetes/up.sh: only the processes whose
# PIDs it recorded in $TASKFIT_K8S_DIR/run (default /tmp/taskfit-kubernetes). Never kills by name.
# Keeps the built binaries ($TASKFIT_K8S_CACHE) and the state dir (etcd data, certs, tokens,
# kubeconfig, logs), so the next up.sh is fast and old kubeconfigs stay valid.
# `down.sh --purge` also deletes the state dir (next up.sh starts with an empty etcd).
# Safe to run when nothing is running.
set -euo pipefail

DIR=${TASKFIT_K8S_DIR:-/tmp/taskfit-kubernetes}
PURGE=0
case ${1-} in
  --purge) PURGE=1 ;;
  "") ;;
  *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac

log() { printf 'k8s-down: %s\n' "$*"; }

if [[ ! -d $DIR ]]; then
  log "no state directory $DIR, nothing to stop"
  exit 0
fi
DIR=$(cd "$DIR" && pwd -P)

# Do not race an up.sh that is starting daemons in this state dir.
exec 8>"$DIR/.up.lock"
flock -w 120 8 || log "warning: $DIR/.up.lock still held after 120 s, stopping anyway"

# True while PID $1 exists and is not a zombie (daemons are reparented to PID 1, which may be
# slow to reap them, and kill -0 succeeds on a zombie).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# stop NAME: TERM, wait up to 15 s, then KILL. Only if the recorded PID is still our daemon:
# argv[0] ends in /NAME (or argv[1] in /NAME.sh, the pod reaper) and the command line mentions
# $DIR (guards against PID reuse).
stop() {
  local name=$1 pidfile=$DIR/run/$1.pid pid argv=() i
  if [[ ! -s $pidfile ]]; then
    log "$name: no pid file, nothing to stop"
    return 0
  fi
  pid=$(<"$pidfile")
  if [[ $pid =~ ^[0-9]+$ ]] && running "$pid"; then
    mapfile -d '' -t argv <"/proc/$pid/cmdline" 2>/dev/null || true
  fi
  if [[ ${argv[0]-} != */"$name" && ${argv[1]-} != */"$name.sh" ]] || [[ " ${argv[*]} " != *"$DIR"* ]]; then
    log "$name: not running (stale pid ${pid:-?})"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 75; i++)); do
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
  log "$name: killed after 15 s (pid $pid)"
}

# Reverse start order: clients of the apiserver first, etcd last.
stop pod-reaper
stop kube-scheduler
stop kube-controller-manager
stop kube-apiserver
stop etcd

if ((PURGE)); then
  exec 8>&-
  rm -rf "$DIR"
  log "purged $DIR"
fi
log "done"
