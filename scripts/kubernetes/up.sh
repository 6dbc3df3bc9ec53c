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
# The real node: the kubelet registers under a name that must resolve to 127.0.0.1 (the API server
# reaches the kubelet, for logs, at the node's Hostname address; the kubelet listens on loopback).
NODE_NAME=${TASKFIT_K8S_NODE_NAME:-$(hostname)}
KUBELET_PORT=${TASKFIT_K8S_KUBELET_PORT:-10250}
KUBELET_HEALTHZ_PORT=${TASKFIT_K8S_KUBELET_HEALTHZ_PORT:-10248}
# The pod network: a bridge of its own and a subnet unlikely to clash with the host's.
BRIDGE=${TASKFIT_K8S_BRIDGE:-taskfit0}
POD_SUBNET=${TASKFIT_K8S_POD_SUBNET:-10.88.77.0/24}
PAUSE_IMAGE=taskfit.local/pause:3.4
REAL_NODE_LABEL=taskfit.dev/real-node
FAKE_NODE_TAINT=taskfit.dev/fake-node
BIN=$CACHE/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
BUILD_JOBS=${TASKFIT_K8S_BUILD_JOBS:-2}
# Bumped whenever the build recipe changes, so binaries from an older recipe get rebuilt.
RECIPE=3-reflect2-1.0.2-kubelet-pause

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

# Prints the prepared source tree ($CACHE/work/kubernetes-*) if one exists: fetched, patched and
# marked by an earlier run of this recipe. Its _output/local/go/cache is the Go build cache
# (hack/lib/golang.sh overrides any GOCACHE set from outside), so keeping the tree is what makes a
# retry after a failed or killed build warm.
prepared_source() {
  local src
  src=$(find "$CACHE/work" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' 2>/dev/null | head -n 1)
  [[ -n $src && $(cat "$src/.taskfit-prepared" 2>/dev/null) == "$RECIPE" ]] && echo "$src"
}

# Fetches Debian's kubernetes source into a fresh $CACHE/work and applies the build fix.
prepare_source() {
  local work=$CACHE/work apt=$CACHE/apt suite src buildlog=$1
  # shellcheck source=/dev/null
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  # A private apt config so the system's sources.list is not touched just to add deb-src.
  mkdir -p "$apt"/lists/partial "$apt"/cache/archives/partial
  echo "deb-src $MIRROR $suite main" >"$apt/sources.list"
  local aptopts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=root")
  log "build: fetching the source index ($MIRROR $suite, deb-src)"
  apt-get "${aptopts[@]}" update >>"$buildlog" 2>&1 || { tail -n 20 "$buildlog" >&2; die "apt-get update (deb-src) failed"; }
  # Only an unmarked (half-fetched, or older recipe) tree is cleared; a marked one is reused above.
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
  # Same GOPATH layout as debian/rules (override_dh_auto_build).
  mkdir -p "$src/.go/src/k8s.io"
  [[ -L $src/.go/src/k8s.io/kubernetes ]] || ln -s ../../.. "$src/.go/src/k8s.io/kubernetes"
  echo "$RECIPE" >"$src/.taskfit-prepared"
}

build_binaries() {
  local work=$CACHE/work start=$SECONDS pid src c
  local buildlog=$CACHE/build.log
  ensure_pkgs golang-go rsync jq make dpkg-dev golang-github-modern-go-reflect2-dev gcc libc6-dev
  : >"$buildlog"
  if src=$(prepared_source); then
    log "build: reusing the source tree and Go build cache in $src (a previous build stopped early)"
  else
    prepare_source "$buildlog"
    src=$(prepared_source) || die "source tree in $CACHE/work not prepared"
  fi
  mkdir -p "$work/home"
  log "build: make WHAT=\"${COMPONENTS[*]/#/cmd/}\" (~7 min cold on 2 idle cores, log: $buildlog)"
  # nice + GOMAXPROCS: bounded parallelism (go's -p and the compiler's backend follow it), so other
  # work on this machine keeps running while this compiles. KUBE_STATIC_OVERRIDES=kubelet builds the
  # kubelet like the control plane (CGO_ENABLED=0, -installsuffix static), so it shares their cache.
  (cd "$src" && exec env GOPATH="$src/.go" PATH="/usr/lib/go/bin:$PATH" CGO_ENABLED=0 \
    HOME="$work/home" GOFLAGS= GOMAXPROCS="$BUILD_JOBS" KUBE_STATIC_OVERRIDES=kubelet \
    nice -n 10 make WHAT="${COMPONENTS[*]/#/cmd/}") >>"$buildlog" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30
    kill -0 "$pid" 2>/dev/null && log "build: still compiling ($((SECONDS - start)) s)"
  done
  wait "$pid" || { tail -n 30 "$buildlog" >&2; die "make failed (see $buildlog; a rerun reuses what was compiled)"; }
  # pause: the pod sandbox's only process, from the same tree, static so the image needs no libc.
  gcc -Os -static -o "$src/_output/bin/pause" "$src/build/pause/linux/pause.c" >>"$buildlog" 2>&1 ||
    { tail -n 20 "$buildlog" >&2; die "gcc pause.c failed"; }
  # Publish atomically: a half-copied bin/ must never look like a valid cache.
  rm -rf "$BIN.new" && mkdir -p "$BIN.new"
  for c in "${COMPONENTS[@]}" pause; do
    install -m 0755 "$src/_output/bin/$c" "$BIN.new/$c"
  done
  "$BIN.new/kube-apiserver" --version >"$BIN.new/VERSION"
  echo "$RECIPE" >"$BIN.new/RECIPE"
  rm -rf "$BIN" && mv "$BIN.new" "$BIN"
  # The source tree (with its Go build cache) stays unless asked otherwise: a recipe bump then
  # rebuilds warm. TASKFIT_K8S_KEEP_SRC=0 frees its ~4 GB.
  [[ ${TASKFIT_K8S_KEEP_SRC:-1} == 1 ]] || rm -rf "$work"
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
  for u in admin controller-manager scheduler kubelet; do
    [[ -s $DIR/$u.token ]] || (umask 077 && openssl rand -hex 24 >"$DIR/$u.token")
  done
  (
    umask 077
    printf '%s,%s,%s,"system:masters"\n' \
      "$(<"$DIR/admin.token")" admin uid-admin \
      "$(<"$DIR/controller-manager.token")" system:kube-controller-manager uid-controller-manager \
      "$(<"$DIR/scheduler.token")" system:kube-scheduler uid-scheduler >"$DIR/tokens.csv"
    # The kubelet: a node identity, and system:masters because RBAC is the only authorizer here.
    printf '%s,%s,%s,"system:nodes,system:masters"\n' \
      "$(<"$DIR/kubelet.token")" "system:node:$NODE_NAME" uid-kubelet >>"$DIR/tokens.csv"
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

# The fake nodes have no kubelet: finishes the graceful deletion of their pods (see pod-reaper.sh).
start_pod_reaper() {
  start pod-reaper - /bin/bash "$HERE/pod-reaper.sh" "$DIR" "https://127.0.0.1:$API_PORT" "$NODE_NAME"
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
  # Only pods that tolerate the fake-node taint land here (placement tests): everything else goes
  # to the real node, where a kubelet runs it.
  taints=$(jq -c --arg fake "$FAKE_NODE_TAINT" '[.spec.taints // [] | .[] | select(.key != "node.kubernetes.io/not-ready"
    and .key != "node.kubernetes.io/unreachable" and .key != $fake)] + [{key: $fake, value: "true", effect: "NoSchedule"}]' <<<"$API_BODY")
  if [[ $taints != "$(jq -c '.spec.taints // []' <<<"$API_BODY")" || $(jq -r --arg fake "$FAKE_NODE_TAINT" '.metadata.labels[$fake] // ""' <<<"$API_BODY") != true ]]; then
    api PATCH "/api/v1/nodes/$name" "{\"metadata\":{\"labels\":{\"$FAKE_NODE_TAINT\":\"true\"}},\"spec\":{\"taints\":$taints}}" application/merge-patch+json
    [[ $API_CODE == 200 ]] || die "node $name: taints: HTTP $API_CODE $API_BODY"
    log "node: $name tainted $FAKE_NODE_TAINT=true:NoSchedule (no not-ready/unreachable taints)"
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
# The real node: containerd + runc + CNI bridge (Debian) and the kubelet built above

# shellcheck source=image-lib.sh
source "$HERE/image-lib.sh"

# What the kubelet and its runtime change outside $DIR, recorded once before they first run, so
# down.sh can put the host back: sysctls the kubelet rewrites at start, and paths they create.
HOST_SYSCTLS=(vm/overcommit_memory kernel/panic kernel/panic_on_oops)
HOST_PATHS=(/var/lib/kubelet /var/log/pods /var/log/containers /run/containerd /run/netns /var/lib/cni /run/mount)
record_host() {
  [[ -s $DIR/run/host.saved ]] && return 0
  local k p
  {
    for k in "${HOST_SYSCTLS[@]}"; do printf 'sysctl %s %s\n' "$k" "$(<"/proc/sys/$k")"; done
    for p in "${HOST_PATHS[@]}"; do [[ -e $p ]] || printf 'created %s\n' "$p"; done
  } >"$DIR/run/host.saved.tmp"
  mv "$DIR/run/host.saved.tmp" "$DIR/run/host.saved"
}

# Images cached in $CACHE/images: the pause image (the pod sandbox) and Node's base layer, from
# which scripts/kubernetes/task-image.sh makes task images.
make_images() {
  local img=$CACHE/images node_version root
  mkdir -p "$img"
  if [[ ! -s $img/pause.tar || $img/pause.tar -ot $BIN/pause ]]; then
    root=$(mktemp -d "$img/pause.root.XXXXXX")
    install -m 0755 "$BIN/pause" "$root/pause"
    tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$img/pause-layer.tar" pause
    rm -rf "$root"
    docker_archive "$img/pause.tar" "$PAUSE_IMAGE" '{"Entrypoint":["/pause"],"WorkingDir":"/"}' "$img/pause-layer.tar"
    rm -f "$img/pause-layer.tar"
    log "images: built $PAUSE_IMAGE from the source tree's pause.c"
  fi
  node_version=$(/usr/bin/node --version)
  if [[ $(cat "$img/node-base.version" 2>/dev/null) != "$node_version" || ! -s $img/node-base.tar ]]; then
    node_base_layer "$img/node-base.tar"
    echo "$node_version" >"$img/node-base.version"
    log "images: built the Node $node_version base layer ($(du -h "$img/node-base.tar" | cut -f1))"
  fi
}

write_node_config() {
  local n=$DIR/node
  mkdir -p "$n"/{containerd,cni/net.d,cni/ipam,kubelet,kubelet-root,kubelet-pki}
  cat >"$n/containerd/config.toml" <<TOML
version = 2
root = "$n/containerd/root"
state = "$n/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$n/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This VM drops CAP_SYS_RESOURCE from every process: runc may not lower oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$n/cni/net.d"
TOML
  # Pods need no traffic: a bridge without masquerading (so no iptables), addresses kept in $DIR.
  cat >"$n/cni/net.d/10-taskfit.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "taskfit", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_SUBNET"}]], "dataDir": "$n/cni/ipam"}}]}
JSON
  # Anonymous + AlwaysAllow on loopback only: the API server fetches logs without a client cert.
  # Image GC and disk eviction are off in effect: a test machine's disk use is not the node's.
  cat >"$n/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failSwapOn: false
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
nodeStatusReportFrequency: 10s
YAML
  write_kubeconfig "$n/kubelet/kubeconfig" "system:node:$NODE_NAME" "$(<"$DIR/kubelet.token")"
}

start_containerd() {
  start containerd - /usr/bin/containerd --config "$DIR/node/containerd/config.toml" --log-level warn
}

containerd_ready() { ctr -a "$DIR/node/containerd/containerd.sock" version; }

# import_image ARCHIVE: into containerd's k8s.io namespace (the one the CRI plugin uses).
import_image() {
  ctr -a "$DIR/node/containerd/containerd.sock" -n k8s.io images import "$1" >/dev/null
}

node_ip() { ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}'; }

start_kubelet() {
  local ip
  ip=$(node_ip)
  [[ -n $ip ]] || die "kubelet: no global IPv4 address for --node-ip (the kubelet refuses loopback)"
  start kubelet - "$BIN/kubelet" --config "$DIR/node/kubelet/config.yaml" \
    --kubeconfig "$DIR/node/kubelet/kubeconfig" \
    --container-runtime remote --container-runtime-endpoint "unix://$DIR/node/containerd/containerd.sock" \
    --root-dir "$DIR/node/kubelet-root" --cert-dir "$DIR/node/kubelet-pki" \
    --hostname-override "$NODE_NAME" --node-ip "$ip" \
    --node-labels "$REAL_NODE_LABEL=true" \
    --pod-infra-container-image "$PAUSE_IMAGE" --v 1
}

node_ready() {
  api GET "/api/v1/nodes/$NODE_NAME"
  [[ $API_CODE == 200 ]] && jq -e '.status.conditions[]? | select(.type == "Ready" and .status == "True")' <<<"$API_BODY" >/dev/null
}

ensure_real_node() {
  ensure_pkgs containerd runc containernetworking-plugins iproute2
  local resolved
  resolved=$(getent ahostsv4 "$NODE_NAME" | awk '{print $1; exit}')
  [[ $resolved == 127.* ]] ||
    die "node name $NODE_NAME resolves to ${resolved:-nothing}, not loopback (set TASKFIT_K8S_NODE_NAME to a name /etc/hosts maps to 127.0.0.1)"
  make_images
  write_node_config
  record_host
  # For down.sh: which Node object and bridge are ours.
  printf 'NODE_NAME=%q\nBRIDGE=%q\n' "$NODE_NAME" "$BRIDGE" >"$DIR/run/node.env"
  if alive_pid containerd >/dev/null; then reused+=(containerd); else start_containerd; fi
  wait_for containerd containerd_ready
  import_image "$CACHE/images/pause.tar"
  if alive_pid kubelet >/dev/null; then
    reused+=(kubelet)
  else
    ! port_busy "$KUBELET_PORT" || die "kubelet: 127.0.0.1:$KUBELET_PORT is in use (set TASKFIT_K8S_KUBELET_PORT)"
    start_kubelet
  fi
  wait_for kubelet node_ready
  log "node: $NODE_NAME Ready (label $REAL_NODE_LABEL=true; containerd at $DIR/node/containerd/containerd.sock)"
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
# The token file is read at start only: an apiserver started before a token was added restarts.
owned_daemon() { [[ $(alive_pid "$1") == "$2" ]]; }
if alive_pid kube-apiserver >/dev/null && ! cmp -s "$DIR/tokens.csv" "$DIR/run/kube-apiserver.tokens"; then
  stop_recorded kube-apiserver "$DIR/run/kube-apiserver.pid" 15 owned_daemon
fi
if alive_pid kube-apiserver >/dev/null; then reused+=(kube-apiserver); else
  start_apiserver
  cp "$DIR/tokens.csv" "$DIR/run/kube-apiserver.tokens"
fi
wait_for kube-apiserver api_ready
log "kube-apiserver: /readyz ok"
if alive_pid kube-controller-manager >/dev/null; then reused+=(kube-controller-manager); else start_controller_manager; fi
if alive_pid kube-scheduler >/dev/null; then reused+=(kube-scheduler); else start_scheduler; fi
if alive_pid pod-reaper >/dev/null; then reused+=(pod-reaper); else start_pod_reaper; fi
wait_for kube-controller-manager healthz "$CM_PORT"
wait_for kube-scheduler healthz "$SCHED_PORT"

ensure_namespace
ensure_nodes
ensure_real_node
((${#reused[@]} == 0)) || log "reused running: ${reused[*]}"
log "ready in $((SECONDS - T0)) s: https://127.0.0.1:$API_PORT, export KUBECONFIG=$DIR/kubeconfig (namespace $NAMESPACE; real node $NODE_NAME, fake nodes cpu-node, gpu-node tainted $FAKE_NODE_TAINT)"
