#!/usr/bin/env bash
# Starts a real Kubernetes v1.20 control plane on loopback (etcd + kube-apiserver +
# kube-controller-manager + kube-scheduler, no kubelet) for the KubernetesScheduler integration
# tests. Run as root; idempotent (a healthy cluster is reused, a dead daemon is restarted).
#
# No ready-made kube-apiserver exists in Debian bookworm, so the three control-plane binaries are
# built once from Debian's own `kubernetes` source package into a cache outside the repo
# ($TASKFIT_K8S_CACHE, default /var/cache/taskfit-kubernetes; ~6 min on 2 cores) and reused.
# etcd is Debian's etcd-server. All runtime state (certs, tokens, etcd data, logs, PID files)
# lives in $TASKFIT_K8S_DIR (default /tmp/taskfit-kubernetes); clients use $DIR/kubeconfig
# (admin token, CA embedded, default namespace taskfit-test).
#
# Two fake nodes are registered (cpu-node, gpu-node with 2 nvidia.com/gpu). Nothing runs pods:
# they get bound (spec.nodeName) but stay Pending until a test patches their status, e.g.
#   curl --cacert $DIR/pki/ca.crt -H "Authorization: Bearer $(cat $DIR/admin.token)" \
#     -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"status":{"phase":"Succeeded"}}' \
#     https://127.0.0.1:6443/api/v1/namespaces/taskfit-test/pods/NAME/status
# scripts/kubernetes/down.sh stops the daemons; scripts/kubernetes/smoke.sh checks the cluster.
set -euo pipefail

DIR=${TASKFIT_K8S_DIR:-/tmp/taskfit-kubernetes}
CACHE=${TASKFIT_K8S_CACHE:-/var/cache/taskfit-kubernetes}
API_PORT=${TASKFIT_K8S_API_PORT:-6443}
# Non-default ports so another etcd / control plane on this host does not clash with ours.
ETCD_PORT=${TASKFIT_K8S_ETCD_PORT:-23790}
ETCD_PEER_PORT=${TASKFIT_K8S_ETCD_PEER_PORT:-23800}
CM_PORT=${TASKFIT_K8S_CM_PORT:-10357}
SCHED_PORT=${TASKFIT_K8S_SCHED_PORT:-10359}
TIMEOUT=${TASKFIT_K8S_TIMEOUT:-120}
MIRROR=${TASKFIT_K8S_DEBIAN_MIRROR:-http://deb.debian.org/debian}
NAMESPACE=taskfit-test
BIN=$CACHE/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler)
# Bumped whenever the build recipe changes, so binaries from an older recipe get rebuilt.
RECIPE=2-reflect2-1.0.2

log() { printf 'k8s-up: %s\n' "$*"; }
die() { printf 'k8s-up: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (apt-get and the cache directory need it)"
mkdir -p "$DIR"/{pki,run,logs} "$CACHE"
DIR=$(cd "$DIR" && pwd -P)
CACHE=$(cd "$CACHE" && pwd -P)

# One up.sh at a time per state dir (tests may call it from parallel workers).
exec 8>"$DIR/.up.lock"
flock -w 1200 8 || die "another up.sh holds $DIR/.up.lock"

# ---------------------------------------------------------------------------------------------
# Packages

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Installs the Debian packages in "$@" that are missing; `apt-get update` only if that fails.
ensure_pkgs() {
  local p missing=() created_policy=
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  log "apt: installing ${missing[*]}"
  # etcd-server ships an init script that would start a stray etcd on :2379 at install time;
  # policy-rc.d (exit 101) forbids that. Only create it if the system has none.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    >"$DIR/logs/apt.log" 2>&1; then
    log "apt: install failed, running apt-get update and retrying"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends "${missing[@]}"; } >>"$DIR/logs/apt.log" 2>&1 || rc=$?
  fi
  [[ -z $created_policy ]] || rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || { tail -n 20 "$DIR/logs/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
}

# ---------------------------------------------------------------------------------------------
# Build (once) from Debian's kubernetes source package

binaries_cached() {
  local c
  for c in "${COMPONENTS[@]}"; do [[ -x $BIN/$c ]] || return 1; done
  [[ $(cat "$BIN/RECIPE" 2>/dev/null) == "$RECIPE" ]]
}

build_binaries() {
  local work=$CACHE/work apt=$CACHE/apt suite src start=$SECONDS pid
  local buildlog=$CACHE/build.log
  # shellcheck source=/dev/null
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  ensure_pkgs golang-go rsync jq make dpkg-dev golang-github-modern-go-reflect2-dev
  # A private apt config so the system's sources.list is not touched just to add deb-src.
  mkdir -p "$apt"/lists/partial "$apt"/cache/archives/partial
  echo "deb-src $MIRROR $suite main" >"$apt/sources.list"
  local aptopts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=root")
  log "build: fetching the source index ($MIRROR $suite, deb-src)"
  apt-get "${aptopts[@]}" update >"$buildlog" 2>&1 || { tail -n 20 "$buildlog" >&2; die "apt-get update (deb-src) failed"; }
  rm -rf "$work" && mkdir -p "$work"
  log "build: apt-get source kubernetes into $work"
  (cd "$work" && apt-get "${aptopts[@]}" source kubernetes) >>"$buildlog" 2>&1 ||
    { tail -n 20 "$buildlog" >&2; die "apt-get source kubernetes failed"; }
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
  [[ -n $src ]] || die "no kubernetes-* directory in $work"
  # The vendored modern-go/reflect2 v1.0.1 breaks under Go >= 1.18 (Debian has Go 1.19): the
  # apiserver panics decoding any JSON object with a map (labels, resources). Debian's
  # reflect2 1.0.2 carries the fix and is API-compatible, so it replaces the vendored copy.
  log "build: replacing vendor/github.com/modern-go/reflect2 (1.0.1) with Debian's 1.0.2"
  rsync -a --delete --exclude '*_test.go' --exclude go.mod --exclude test \
    /usr/share/gocode/src/github.com/modern-go/reflect2/ "$src/vendor/github.com/modern-go/reflect2/"
  # Same GOPATH layout as debian/rules (override_dh_auto_build); caches stay in $work.
  mkdir -p "$src/.go/src/k8s.io" "$work/home"
  [[ -L $src/.go/src/k8s.io/kubernetes ]] || ln -s ../../.. "$src/.go/src/k8s.io/kubernetes"
  log "build: make WHAT=\"cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler\" (~6 min on 2 cores, log: $buildlog)"
  # nice: other work on this machine (tests) keeps running while this compiles.
  (cd "$src" && exec env GOPATH="$src/.go" PATH="/usr/lib/go/bin:$PATH" CGO_ENABLED=0 \
    HOME="$work/home" GOCACHE="$work/go-build" GOFLAGS= \
    nice -n 10 make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler") \
    >>"$buildlog" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30
    kill -0 "$pid" 2>/dev/null && log "build: still compiling ($((SECONDS - start)) s)"
  done
  wait "$pid" || { tail -n 30 "$buildlog" >&2; die "make failed (see $buildlog)"; }
  # Publish atomically: a half-copied bin/ must never look like a valid cache.
  rm -rf "$BIN.new" && mkdir -p "$BIN.new"
  local c
  for c in "${COMPONENTS[@]}"; do
    install -m 0755 "$src/_output/bin/$c" "$BIN.new/$c"
  done
  "$BIN.new/kube-apiserver" --version >"$BIN.new/VERSION"
  echo "$RECIPE" >"$BIN.new/RECIPE"
  rm -rf "$BIN" && mv "$BIN.new" "$BIN"
  # The 2+ GB source tree and Go build cache are not needed once the binaries exist.
  [[ ${TASKFIT_K8S_KEEP_SRC:-0} == 1 ]] || rm -rf "$work"
  log "build: done in $((SECONDS - start)) s: $(cat "$BIN/VERSION") in $BIN"
}

# ---------------------------------------------------------------------------------------------
# Processes

# running PID: alive and not a zombie (kill -0 succeeds on zombies).
# shellcheck source=../lib/stop-recorded.sh
source "$HERE/../lib/stop-recorded.sh"

# Prints the PID recorded for daemon $1 if that process is alive and really ours: its argv[0]
# is the expected binary (or argv[1] the script NAME.sh, for the pod reaper) and its command line
# mentions $DIR (guards against PID reuse and against another cluster's daemons).
alive_pid() {
  local name=$1 pid argv
  [[ -s $DIR/run/$name.pid ]] || return 1
  pid=$(<"$DIR/run/$name.pid")
  [[ $pid =~ ^[0-9]+$ ]] && running "$pid" || return 1
  mapfile -d '' -t argv <"/proc/$pid/cmdline" 2>/dev/null || return 1
  [[ ${argv[0]-} == */"$name" || ${argv[1]-} == */"$name.sh" ]] || return 1
  [[ " ${argv[*]} " == *"$DIR"* ]] || return 1
  echo "$pid"
}

# True if something accepts connections on 127.0.0.1:$1 (bash /dev/tcp; no ss/netstat needed).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start NAME PORT|- BINARY ARGS...: detached (setsid, so the caller's Ctrl-C or process-group kill
# does not take the cluster down) with stdout/stderr in $DIR/logs/NAME.log; the PID is recorded
# for down.sh. setsid does not fork here (a non-interactive shell's child is no group leader), so
# $! is the daemon itself.
start() {
  local name=$1 port=$2
  shift 2
  if [[ $port != - ]] && port_busy "$port"; then
    die "$name: 127.0.0.1:$port is already in use by a process this script did not start (set TASKFIT_K8S_*_PORT)"
  fi
  printf -- '--- %s start: %s\n' "$(date -Is)" "$*" >>"$DIR/logs/$name.log"
  # 7>&- 8>&-: the daemons must not inherit (and so hold forever) this script's lock files.
  setsid "$@" </dev/null >>"$DIR/logs/$name.log" 2>&1 7>&- 8>&- &
  local pid=$! i
  echo "$pid" >"$DIR/run/$name.pid"
  # Let setsid exec the daemon first, so alive_pid (which checks argv[0]) sees the real binary.
  for ((i = 0; i < 40; i++)); do
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == setsid* ]] || break
    sleep 0.05
  done
  local where=
  [[ $port == - ]] || where=", 127.0.0.1:$port"
  log "$name: started (pid $pid$where, log $DIR/logs/$name.log)"
}

log_tail() {
  printf -- '--- tail of %s ---\n' "$DIR/logs/$1.log" >&2
  tail -n 25 "$DIR/logs/$1.log" >&2 2>/dev/null || echo "(missing)" >&2
}

# wait_for NAME CHECK-COMMAND...: polls until the check passes; dies early if the daemon exits.
wait_for() {
  local name=$1 deadline=$((SECONDS + TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    if ! alive_pid "$name" >/dev/null; then
      log_tail "$name"
      die "$name exited (see $DIR/logs/$name.log)"
    fi
    ((SECONDS < deadline)) || { log_tail "$name"; die "$name not healthy after $TIMEOUT s"; }
    sleep 0.5
  done
}

etcd_healthy() { curl -fsS --max-time 3 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
api_ready() { [[ $(curl -sS --max-time 5 --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "https://127.0.0.1:$API_PORT/readyz") == ok ]]; }
# The components serve /healthz to anyone (--authorization-always-allow-paths default); their
# serving certs are self-signed in memory, hence -k.
healthz() { [[ $(curl -ksS --max-time 3 "https://127.0.0.1:$1/healthz") == ok ]]; }

# ---------------------------------------------------------------------------------------------
# Credentials and config (created once; kept across restarts so existing kubeconfigs stay valid)

make_pki() {
  local p=$DIR/pki
  [[ -s $p/ca.crt && -s $p/apiserver.crt && -s $p/sa.pub ]] && return 0
  log "pki: generating CA, apiserver serving cert and service-account key pair (openssl)"
  openssl genrsa -out "$p/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$p/ca.key" -subj "/CN=taskfit-kubernetes-ca" -days 3650 \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" -out "$p/ca.crt"
  openssl genrsa -out "$p/apiserver.key" 2048 2>/dev/null
  # 10.0.0.1 is the in-cluster `kubernetes` service IP (first of --service-cluster-ip-range).
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" \
    >"$p/apiserver.ext"
  openssl req -new -key "$p/apiserver.key" -subj "/CN=kube-apiserver" |
    openssl x509 -req -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 3650 \
      -extfile "$p/apiserver.ext" -out "$p/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  chmod 600 "$p"/*.key
}

# Static bearer tokens (--token-auth-file). All three identities are in system:masters: the
# controller-manager runs with --use-service-account-credentials=false and needs every right.
make_tokens() {
  local u
  for u in admin controller-manager scheduler; do
    [[ -s $DIR/$u.token ]] || (umask 077 && openssl rand -hex 24 >"$DIR/$u.token")
  done
  (
    umask 077
    printf '%s,%s,%s,"system:masters"\n' \
      "$(<"$DIR/admin.token")" admin uid-admin \
      "$(<"$DIR/controller-manager.token")" system:kube-controller-manager uid-controller-manager \
      "$(<"$DIR/scheduler.token")" system:kube-scheduler uid-scheduler >"$DIR/tokens.csv"
  )
  ADMIN_TOKEN=$(<"$DIR/admin.token")
}

# write_kubeconfig FILE USER TOKEN: CA embedded so the file is self-contained (client-node,
# kubectl and curl-free tests can load it from anywhere).
write_kubeconfig() {
  local file=$1 user=$2 token=$3 ca
  ca=$(base64 -w0 <"$DIR/pki/ca.crt")
  (
    umask 077
    cat >"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: taskfit
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $ca
users:
- name: $user
  user:
    token: $token
contexts:
- name: taskfit
  context:
    cluster: taskfit
    user: $user
    namespace: $NAMESPACE
current-context: taskfit
EOF
    mv "$file.tmp" "$file"
  )
}

# ---------------------------------------------------------------------------------------------
# Daemons (exact command lines; rerun up.sh to restart one that died)

start_etcd() {
  # --unsafe-no-fsync: throwaway test data, and fsync latency would slow every API write.
  start etcd "$ETCD_PORT" /usr/bin/etcd --name taskfit --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "taskfit=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --logger zap --log-level warn
}

start_apiserver() {
  # --insecure-port=0: v1.20 would otherwise also listen on 127.0.0.1:8080 without auth.
  # ServiceAccount admission is off: there is no kubelet to mount tokens, and it would reject
  # pods until the default SA exists. TaintNodesByCondition is off so the fake nodes are not
  # created with node.kubernetes.io/not-ready:NoSchedule (nothing would ever clear it).
  # --endpoint-reconciler-type=none: the `kubernetes` Endpoints may not hold a loopback IP.
  start kube-apiserver "$API_PORT" "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" --insecure-port 0 \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --client-ca-file "$DIR/pki/ca.crt" --token-auth-file "$DIR/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-key-file "$DIR/pki/sa.pub" --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-account-issuer "https://kubernetes.default.svc" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --disable-admission-plugins ServiceAccount,TaintNodesByCondition \
    --endpoint-reconciler-type none \
    --profiling=false --v 1
}

# --authentication-skip-lookup: there is no front-proxy CA in kube-system/extension-apiserver-
# authentication, and looking it up only fills the logs with errors.
start_controller_manager() {
  # -nodelifecycle: no kubelet sends heartbeats, so that controller would mark the fake nodes
  # NotReady, taint them and evict their pods. The Job controller is in the `*` defaults.
  start kube-controller-manager "$CM_PORT" "$BIN/kube-controller-manager" \
    --kubeconfig "$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$DIR/controller-manager.kubeconfig" --authentication-skip-lookup \
    --bind-address 127.0.0.1 --secure-port "$CM_PORT" --port 0 \
    --leader-elect=false --use-service-account-credentials=false \
    --controllers '*,-nodelifecycle' \
    --service-account-private-key-file "$DIR/pki/sa.key" --root-ca-file "$DIR/pki/ca.crt" \
    --cluster-signing-cert-file "$DIR/pki/ca.crt" --cluster-signing-key-file "$DIR/pki/ca.key" \
    --profiling=false --v 1
}

start_scheduler() {
  start kube-scheduler "$SCHED_PORT" "$BIN/kube-scheduler" \
    --kubeconfig "$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$DIR/scheduler.kubeconfig" --authentication-skip-lookup \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --port 0 \
    --leader-elect=false --profiling=false --v 2
}

# No kubelet: finishes the graceful deletion of bound pods (see pod-reaper.sh for why).
start_pod_reaper() {
  start pod-reaper - /bin/bash "$HERE/pod-reaper.sh" "$DIR" "https://127.0.0.1:$API_PORT"
}

# ---------------------------------------------------------------------------------------------
# API objects (namespace, fake nodes) via curl; kubectl on this host is not guaranteed to be 1.20

# api METHOD PATH [BODY] [CONTENT-TYPE]: response body in $API_BODY, HTTP status in $API_CODE.
api() {
  local out data=()
  out=$(mktemp)
  [[ -z ${3-} ]] || data=(-H "Content-Type: ${4:-application/json}" --data-binary "$3")
  API_CODE=$(curl -sS --max-time 10 -o "$out" -w '%{http_code}' --cacert "$DIR/pki/ca.crt" \
    -H "Authorization: Bearer $ADMIN_TOKEN" -H "Accept: application/json" -X "$1" "${data[@]}" \
    "https://127.0.0.1:$API_PORT$2") || API_CODE=000
  API_BODY=$(<"$out")
  rm -f "$out"
}

ensure_namespace() {
  api GET "/api/v1/namespaces/$NAMESPACE"
  [[ $API_CODE == 200 ]] && return 0
  api POST /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$NAMESPACE\"}}"
  [[ $API_CODE == 201 || $API_CODE == 409 ]] || die "namespace $NAMESPACE: HTTP $API_CODE $API_BODY"
  log "namespace: created $NAMESPACE"
}

# ensure_node NAME LABELS-JSON RESOURCES-JSON: creates the node if missing, then (re)applies its
# status (capacity = allocatable, Ready) and drops not-ready/unreachable taints, so a node that
# a test or a controller changed is repaired on every up.sh.
ensure_node() {
  local name=$1 labels=$2 res=$3 now status taints
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  status=$(jq -cn --argjson res "$res" --arg now "$now" '{
    capacity: $res, allocatable: $res,
    conditions: ([["MemoryPressure","False","KubeletHasSufficientMemory"],
                  ["DiskPressure","False","KubeletHasNoDiskPressure"],
                  ["PIDPressure","False","KubeletHasSufficientPID"],
                  ["Ready","True","KubeletReady"]]
                 | map({type: .[0], status: .[1], reason: .[2],
                        message: "fake node (no kubelet), registered by taskfit scripts/kubernetes/up.sh",
                        lastHeartbeatTime: $now, lastTransitionTime: $now})),
    addresses: [{type: "InternalIP", address: "127.0.0.1"}],
    nodeInfo: {machineID: "", systemUUID: "", bootID: "", kernelVersion: "", osImage: "fake",
               containerRuntimeVersion: "fake://0", kubeletVersion: "v1.20.2", kubeProxyVersion: "v1.20.2",
               operatingSystem: "linux", architecture: "amd64"}}')
  api GET "/api/v1/nodes/$name"
  if [[ $API_CODE == 404 ]]; then
    api POST /api/v1/nodes "$(jq -cn --arg name "$name" --argjson labels "$labels" --argjson status "$status" \
      '{apiVersion: "v1", kind: "Node", metadata: {name: $name, labels: $labels}, spec: {}, status: $status}')"
    [[ $API_CODE == 201 ]] || die "node $name: create: HTTP $API_CODE $API_BODY"
    log "node: registered $name"
  elif [[ $API_CODE != 200 ]]; then
    die "node $name: HTTP $API_CODE $API_BODY"
  fi
  # Node create keeps status, but re-PATCH /status so an existing node gets fresh values too.
  api PATCH "/api/v1/nodes/$name/status" "{\"status\":$status}" application/merge-patch+json
  [[ $API_CODE == 200 ]] || die "node $name: status patch: HTTP $API_CODE $API_BODY"
  taints=$(jq -c '[.spec.taints // [] | .[] | select(.key != "node.kubernetes.io/not-ready" and .key != "node.kubernetes.io/unreachable")]' <<<"$API_BODY")
  if [[ $taints != "$(jq -c '.spec.taints // []' <<<"$API_BODY")" ]]; then
    api PATCH "/api/v1/nodes/$name" "{\"spec\":{\"taints\":$taints}}" application/merge-patch+json
    [[ $API_CODE == 200 ]] || die "node $name: taint removal: HTTP $API_CODE $API_BODY"
    log "node: removed not-ready/unreachable taints from $name"
  fi
}

ensure_nodes() {
  ensure_node cpu-node \
    '{"kubernetes.io/hostname":"cpu-node","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64"}' \
    '{"cpu":"4","memory":"8Gi","ephemeral-storage":"50Gi","pods":"110"}'
  ensure_node gpu-node \
    '{"kubernetes.io/hostname":"gpu-node","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","nvidia.com/gpu.product":"A10G"}' \
    '{"cpu":"8","memory":"32Gi","ephemeral-storage":"100Gi","pods":"110","nvidia.com/gpu":"2"}'
}

# ---------------------------------------------------------------------------------------------
# Main

T0=$SECONDS
ensure_pkgs etcd-server curl jq openssl
if binaries_cached; then
  log "build: reusing cached $(cat "$BIN/VERSION" 2>/dev/null || echo binaries) in $BIN"
else
  # The cache may be shared by several state dirs; one build at a time.
  exec 7>"$CACHE/.build.lock"
  flock -w 1800 7 || die "another build holds $CACHE/.build.lock"
  binaries_cached || build_binaries
  exec 7>&-
fi

make_pki
make_tokens
write_kubeconfig "$DIR/kubeconfig" admin "$ADMIN_TOKEN"
write_kubeconfig "$DIR/controller-manager.kubeconfig" system:kube-controller-manager "$(<"$DIR/controller-manager.token")"
write_kubeconfig "$DIR/scheduler.kubeconfig" system:kube-scheduler "$(<"$DIR/scheduler.token")"

# Start whatever is not running, in dependency order; a healthy daemon is left alone.
reused=()
if alive_pid etcd >/dev/null; then reused+=(etcd); else start_etcd; fi
wait_for etcd etcd_healthy
if alive_pid kube-apiserver >/dev/null; then reused+=(kube-apiserver); else start_apiserver; fi
wait_for kube-apiserver api_ready
log "kube-apiserver: /readyz ok"
if alive_pid kube-controller-manager >/dev/null; then reused+=(kube-controller-manager); else start_controller_manager; fi
if alive_pid kube-scheduler >/dev/null; then reused+=(kube-scheduler); else start_scheduler; fi
if alive_pid pod-reaper >/dev/null; then reused+=(pod-reaper); else start_pod_reaper; fi
wait_for kube-controller-manager healthz "$CM_PORT"
wait_for kube-scheduler healthz "$SCHED_PORT"
((${#reused[@]} == 0)) || log "reused running: ${reused[*]}"

ensure_namespace
ensure_nodes
log "ready in $((SECONDS - T0)) s: https://127.0.0.1:$API_PORT, export KUBECONFIG=$DIR/kubeconfig (namespace $NAMESPACE; nodes cpu-node, gpu-node)"
