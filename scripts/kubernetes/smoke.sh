#!/usr/bin/env bash
# Smoke test for the cluster of scripts/kubernetes/up.sh, and a record of how the API behaves
# (printed as it goes): Job validation errors, scheduling on the fake nodes, and how a Job
# reacts when a test plays kubelet by patching its pod's status. (The real node is proven by
# test/integration/kubernetes.test.ts.) Creates Jobs named smoke-* in
# namespace taskfit-test and deletes them again. Exits non-zero if an expectation fails.
set -euo pipefail

DIR=${TASKFIT_K8S_DIR:-/tmp/taskfit-kubernetes}
API_PORT=${TASKFIT_K8S_API_PORT:-6443}
NS=taskfit-test
TOKEN=$(<"$DIR/admin.token")
SUFFIX=$(date +%s)-$$
FAILED=0

log() { printf 'k8s-smoke: %s\n' "$*"; }
fail() { printf 'k8s-smoke: FAIL: %s\n' "$*" >&2; FAILED=1; }

# api METHOD PATH [BODY] [CONTENT-TYPE]: body in $API_BODY, HTTP status in $API_CODE.
api() {
  local out data=()
  out=$(mktemp)
  [[ -z ${3-} ]] || data=(-H "Content-Type: ${4:-application/json}" --data-binary "$3")
  API_CODE=$(curl -sS --max-time 10 -o "$out" -w '%{http_code}' --cacert "$DIR/pki/ca.crt" \
    -H "Authorization: Bearer $TOKEN" -H "Accept: application/json" -X "$1" "${data[@]}" \
    "https://127.0.0.1:$API_PORT$2") || API_CODE=000
  API_BODY=$(<"$out")
  rm -f "$out"
}

# job NAME RESOURCES-JSON: a one-pod Job (backoffLimit 0, never restarted) as JSON, for the fake
# nodes only (it tolerates their taint and never fits the real node, which would try to run it).
job() {
  jq -cn --arg name "$1" --argjson res "$2" '{
    apiVersion: "batch/v1", kind: "Job", metadata: {name: $name},
    spec: {backoffLimit: 0, template: {spec: {restartPolicy: "Never",
      nodeSelector: {"taskfit.dev/fake-node": "true"},
      tolerations: [{key: "taskfit.dev/fake-node", operator: "Exists", effect: "NoSchedule"}],
      containers: [{name: "main", image: "busybox", command: ["true"], resources: $res}]}}}}'
}

# until_ok SECONDS COMMAND...: polls every 0.5 s.
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Sets $POD to the name of the (first) pod of Job $1.
pod_of() {
  api GET "/api/v1/namespaces/$NS/pods?labelSelector=job-name%3D$1"
  POD=$(jq -r '.items[0].metadata.name // empty' <<<"$API_BODY")
  [[ -n $POD ]]
}
pod_bound() { api GET "/api/v1/namespaces/$NS/pods/$1" && [[ -n $(jq -r '.spec.nodeName // empty' <<<"$API_BODY") ]]; }
job_condition() { # NAME TYPE
  api GET "/apis/batch/v1/namespaces/$NS/jobs/$1"
  [[ $(jq -r --arg t "$2" '.status.conditions // [] | map(select(.type == $t and .status == "True")) | length' <<<"$API_BODY") -gt 0 ]]
}
sched_event() { # POD: sets $EVENT to the FailedScheduling message
  api GET "/api/v1/namespaces/$NS/events?fieldSelector=involvedObject.name%3D$1,reason%3DFailedScheduling"
  EVENT=$(jq -r '.items[0].message // empty' <<<"$API_BODY")
  [[ -n $EVENT ]]
}

JOBS=()
cleanup() {
  local j
  for j in "${JOBS[@]}"; do
    # Background: the garbage collector deletes the pods; pod-reaper.sh finishes that deletion
    # for pods still bound and "running" (no kubelet would ever confirm it).
    api DELETE "/apis/batch/v1/namespaces/$NS/jobs/$j" '{"propagationPolicy":"Background"}'
  done
}
trap cleanup EXIT

log "nodes:"
api GET /api/v1/nodes
jq -r '.items[] | "  \(.metadata.name) allocatable=\(.status.allocatable|tojson) taints=\(.spec.taints // []|tojson) ready=\(.status.conditions[]|select(.type=="Ready")|.status)"' <<<"$API_BODY"

log "validation (server dry run, nothing is stored):"
for res in '{"requests":{"memory":"1.5.5Gi"}}' '{"requests":{"cpu":"-1"}}' \
  '{"requests":{"nvidia.com/gpu":"1"},"limits":{"nvidia.com/gpu":"2"}}' \
  '{"requests":{"nvidia.com/gpu":"0.5"},"limits":{"nvidia.com/gpu":"0.5"}}' \
  '{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}'; do
  api POST "/apis/batch/v1/namespaces/$NS/jobs?dryRun=All" "$(job smoke-invalid "$res")"
  printf '  %s -> HTTP %s %s: %s\n' "$res" "$API_CODE" "$(jq -r '.reason // ""' <<<"$API_BODY")" "$(jq -r '.message // .' <<<"$API_BODY")"
  [[ $API_CODE == 400 || $API_CODE == 422 ]] || fail "expected 400/422 for $res"
done

# 1. A GPU pod is bound to gpu-node; patching it Succeeded completes the Job.
J=smoke-gpu-$SUFFIX
JOBS+=("$J")
api POST "/apis/batch/v1/namespaces/$NS/jobs" "$(job "$J" '{"requests":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"1"},"limits":{"nvidia.com/gpu":"1"}}')"
[[ $API_CODE == 201 ]] || fail "create $J: HTTP $API_CODE $API_BODY"
if until_ok 30 pod_of "$J" && until_ok 30 pod_bound "$POD"; then
  node=$(jq -r .spec.nodeName <<<"$API_BODY")
  log "gpu job: pod $POD bound to $node (phase $(jq -r .status.phase <<<"$API_BODY"))"
  [[ $node == gpu-node ]] || fail "expected gpu-node, got $node"
  # Plays kubelet: a merge patch of the status subresource.
  api PATCH "/api/v1/namespaces/$NS/pods/$POD/status" '{"status":{"phase":"Succeeded"}}' application/merge-patch+json
  log "gpu job: PATCH pods/$POD/status {\"status\":{\"phase\":\"Succeeded\"}} (merge-patch) -> HTTP $API_CODE"
  [[ $API_CODE == 200 ]] || fail "status patch: $API_BODY"
  if until_ok 30 job_condition "$J" Complete; then
    log "gpu job: Complete; .status = $(jq -c .status <<<"$API_BODY")"
  else
    fail "job $J not Complete: $(jq -c .status <<<"$API_BODY")"
  fi
else
  fail "pod of $J not bound: $API_BODY"
fi

# 2. 64 CPUs fit on no node: Pending with a FailedScheduling event.
J=smoke-big-$SUFFIX
JOBS+=("$J")
api POST "/apis/batch/v1/namespaces/$NS/jobs" "$(job "$J" '{"requests":{"cpu":"64"}}')"
[[ $API_CODE == 201 ]] || fail "create $J: HTTP $API_CODE $API_BODY"
if until_ok 30 pod_of "$J" && until_ok 30 sched_event "$POD"; then
  api GET "/api/v1/namespaces/$NS/pods/$POD"
  log "cpu 64 job: pod $POD phase $(jq -r .status.phase <<<"$API_BODY") nodeName '$(jq -r '.spec.nodeName // ""' <<<"$API_BODY")' PodScheduled=$(jq -c '.status.conditions[]? | select(.type=="PodScheduled") | {status, reason, message}' <<<"$API_BODY")"
  log "cpu 64 job: event FailedScheduling: $EVENT"
  [[ $EVENT == *"Insufficient cpu"* ]] || fail "event does not mention Insufficient cpu"
else
  fail "no FailedScheduling event for the pod of $J"
fi

# 3. A pod patched Failed (OOMKilled, exit 137) with backoffLimit 0 fails the Job.
J=smoke-oom-$SUFFIX
JOBS+=("$J")
api POST "/apis/batch/v1/namespaces/$NS/jobs" "$(job "$J" '{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"memory":"1Gi"}}')"
[[ $API_CODE == 201 ]] || fail "create $J: HTTP $API_CODE $API_BODY"
if until_ok 30 pod_of "$J" && until_ok 30 pod_bound "$POD"; then
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  patch=$(jq -cn --arg now "$now" '{status: {phase: "Failed", containerStatuses: [{name: "main",
    image: "busybox", imageID: "", ready: false, restartCount: 0,
    state: {terminated: {exitCode: 137, reason: "OOMKilled", startedAt: $now, finishedAt: $now}}}]}}')
  api PATCH "/api/v1/namespaces/$NS/pods/$POD/status" "$patch" application/merge-patch+json
  log "oom job: PATCH pods/$POD/status $patch (merge-patch) -> HTTP $API_CODE"
  [[ $API_CODE == 200 ]] || fail "status patch: $API_BODY"
  if until_ok 30 job_condition "$J" Failed; then
    log "oom job: Failed; .status = $(jq -c .status <<<"$API_BODY")"
  else
    fail "job $J not Failed: $(jq -c .status <<<"$API_BODY")"
  fi
  api GET "/api/v1/namespaces/$NS/pods/$POD"
  log "oom job: pod afterwards: phase $(jq -r .status.phase <<<"$API_BODY"), containerStatuses $(jq -c '.status.containerStatuses' <<<"$API_BODY")"
else
  fail "pod of $J not bound"
fi

if ((FAILED)); then
  log "some checks FAILED"
  exit 1
fi
log "all checks passed"
