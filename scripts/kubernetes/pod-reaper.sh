#!/usr/bin/env bash
# Plays the one part of a kubelet that tests cannot do themselves: finishing pod deletion.
# A pod that is bound to a node and not yet Succeeded/Failed is deleted gracefully: the
# apiserver only sets deletionTimestamp and waits for the node's kubelet to confirm with a
# gracePeriodSeconds=0 delete. The fake nodes have no kubelet, so such pods (a deleted Job's
# pods, pods of a Job past activeDeadlineSeconds) would stay Terminating forever and keep their
# cpu/memory/GPUs reserved. This loop does that final delete (with a uid precondition).
# Pods on the real node (REAL-NODE) are left to its kubelet, which shuts their containers down.
# Started and stopped by scripts/kubernetes/up.sh / down.sh; args: STATE-DIR API-URL [REAL-NODE].
set -uo pipefail # no -e: a failed request must not end the loop

DIR=${1:?usage: pod-reaper.sh STATE-DIR API-URL}
API=${2:?usage: pod-reaper.sh STATE-DIR API-URL [REAL-NODE]}
REAL_NODE=${3-}
INTERVAL=${TASKFIT_K8S_REAPER_INTERVAL:-1}
TOKEN=$(<"$DIR/admin.token")

api() { curl -sS --max-time 10 --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $TOKEN" "$@"; }

# Exit promptly on TERM (the sleep below is waited for in the background so the trap runs).
trap 'exit 0' TERM INT
echo "$(date -Is) pod-reaper: watching $API every ${INTERVAL}s"
while :; do
  # Only bound pods (spec.nodeName != ""); unbound pods are deleted at once by the apiserver.
  if pods=$(api -f "$API/api/v1/pods?fieldSelector=spec.nodeName%21%3D" 2>/dev/null); then
    while IFS=$'\t' read -r ns name uid node; do
      [[ -n $name ]] || continue
      code=$(api -o /dev/null -w '%{http_code}' -X DELETE -H 'Content-Type: application/json' \
        --data-binary "{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"$uid\"}}" \
        "$API/api/v1/namespaces/$ns/pods/$name")
      echo "$(date -Is) pod-reaper: finished deletion of $ns/$name on $node: HTTP $code"
    done < <(jq -r --arg real "$REAL_NODE" '.items[] | select(.metadata.deletionTimestamp != null
      and .metadata.deletionGracePeriodSeconds != 0 and .spec.nodeName != $real)
      | [.metadata.namespace, .metadata.name, .metadata.uid, .spec.nodeName] | @tsv' <<<"$pods")
  fi
  sleep "$INTERVAL" &
  wait $!
done
