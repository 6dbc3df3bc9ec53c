#!/usr/bin/env bash
# Stops the Kubernetes cluster started by scripts/kubernetes/up.sh: only the processes whose PIDs it
# recorded in $TASKFIT_K8S_DIR/run (default /tmp/taskfit-kubernetes). Never kills by name.
# The real node goes first: its pods are deleted (the kubelet stops their containers), its Node
# object deleted, the kubelet and containerd stopped, leftover containers and shims removed, and
# what they changed on the host put back: the sysctls the kubelet rewrote, the paths they created
# outside the state dir, the kubepods cgroups and the pod bridge.
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

# ---------------------------------------------------------------------------------------------
# The real node

SOCK=$DIR/node/containerd/containerd.sock
NODE_NAME=
BRIDGE=
# shellcheck source=/dev/null
[[ ! -s $DIR/run/node.env ]] || source "$DIR/run/node.env"

api() {
  curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$DIR/pki/ca.crt" \
    -H "Authorization: Bearer $(<"$DIR/admin.token")" "$@" 2>/dev/null || echo 000
}
API_URL=https://127.0.0.1:${TASKFIT_K8S_API_PORT:-6443}
ctr_k8s() { ctr -a "$SOCK" -n k8s.io "$@"; }

if [[ -n $NODE_NAME ]] && running_pid=$(cat "$DIR/run/kubelet.pid" 2>/dev/null) && [[ -n $running_pid ]] &&
  is_daemon kubelet "$running_pid" && [[ -s $DIR/admin.token ]]; then
  # Delete the node's pods at once: the kubelet then stops their containers and sandboxes (and
  # with them the CNI addresses); wait until containerd runs nothing of theirs.
  pods=$(curl -sS --max-time 10 --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $(<"$DIR/admin.token")" \
    "$API_URL/api/v1/pods?fieldSelector=spec.nodeName%3D$NODE_NAME" 2>/dev/null |
    jq -r '.items[]? | "\(.metadata.namespace)/\(.metadata.name)"') || pods=
  for p in $pods; do
    api -X DELETE -H 'Content-Type: application/json' --data-binary '{"gracePeriodSeconds":0}' \
      "$API_URL/api/v1/namespaces/${p%%/*}/pods/${p#*/}" >/dev/null
  done
  [[ -z $pods ]] || log "node: deleted $(wc -w <<<"$pods") pod(s) on $NODE_NAME"
  for ((i = 0; i < 60; i++)); do
    ctr_k8s tasks ls 2>/dev/null | awk 'NR > 1 && $3 == "RUNNING"' | grep -q . || break
    sleep 0.5
  done
fi
if [[ -n $NODE_NAME && -s $DIR/admin.token ]]; then
  code=$(api -X DELETE "$API_URL/api/v1/nodes/$NODE_NAME")
  [[ $code != 200 ]] || log "node: deleted the Node object $NODE_NAME"
fi
stop kubelet

# Whatever containers are left (the kubelet was gone, or too slow): kill and remove them, which
# also ends their shims and unmounts their root filesystems.
if [[ -S $SOCK ]] && ctr -a "$SOCK" version >/dev/null 2>&1; then
  for t in $(ctr_k8s tasks ls -q 2>/dev/null); do
    ctr_k8s tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
    for ((i = 0; i < 20; i++)); do ctr_k8s tasks delete "$t" >/dev/null 2>&1 && break; sleep 0.25; done
  done
  for c in $(ctr_k8s containers ls -q 2>/dev/null); do ctr_k8s containers delete "$c" >/dev/null 2>&1 || true; done
fi
stop containerd
# Shims serving our containerd (their -address names our socket) that outlived it.
for pid in $(pgrep -f "containerd-shim.* -address $SOCK" 2>/dev/null); do
  kill -KILL "$pid" 2>/dev/null && log "containerd-shim: killed leftover pid $pid"
done

# Mounts under the state dir (container root filesystems, pod network namespaces), innermost first.
awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
  umount -l "$m" 2>/dev/null || true
done

if [[ -s $DIR/run/host.saved ]]; then
  while read -r what a b; do
    case $what in
      sysctl)
        if [[ $(<"/proc/sys/$a") != "$b" ]]; then
          echo "$b" >"/proc/sys/$a" && log "host: restored ${a//\//.} = $b"
        fi ;;
      created)
        # Network namespaces the CRI left in /run/netns are bind mounts.
        [[ $a != /run/netns ]] || for ns in /run/netns/*; do [[ -e $ns ]] && umount "$ns" 2>/dev/null; done
        awk -v d="$a/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | xargs -r umount -l 2>/dev/null
        if [[ -e $a ]]; then rm -rf "$a" && log "host: removed $a (created by the node)"; fi ;;
    esac
  done <"$DIR/run/host.saved"
  rm -f "$DIR/run/host.saved"
fi
# The kubelet's QoS cgroups in every v1 hierarchy (and a v2 root), deepest first.
for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
  [[ -d $root ]] || continue
  find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
  [[ -d $root ]] && log "host: warning: $root still holds processes" || log "host: removed cgroup $root"
done
if [[ -n $BRIDGE ]] && ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link delete "$BRIDGE" && log "host: removed bridge $BRIDGE"
fi
rm -f "$DIR/run/node.env"

# ---------------------------------------------------------------------------------------------
# The control plane, in reverse start order: clients of the apiserver first, etcd last.
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
