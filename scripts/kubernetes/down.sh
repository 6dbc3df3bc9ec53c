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

# shellcheck source=../lib/stop-recorded.sh
source "$(dirname "$0")/../lib/stop-recorded.sh"

# argv[0] ends in /NAME (or argv[1] in /NAME.sh, the pod reaper) and the command line mentions
# $DIR: the daemon this state dir started.
is_daemon() {
  local argv=()
  mapfile -d '' -t argv <"/proc/$2/cmdline" 2>/dev/null || return 1
  [[ ${argv[0]-} == */"$1" || ${argv[1]-} == */"$1.sh" ]] && [[ " ${argv[*]} " == *"$DIR"* ]]
}
stop() { stop_recorded "$1" "$DIR/run/$1.pid" 15 is_daemon; }

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
