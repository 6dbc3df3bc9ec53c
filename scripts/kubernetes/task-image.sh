#!/usr/bin/env bash
# Makes a task image for the real node of scripts/kubernetes/up.sh and loads it into its
# containerd (no registry): Node's base layer (built by up.sh from /usr/bin/node and its
# libraries) plus one layer holding the given paths of a project directory under /app, which is
# also the working directory (so `node --import tsx` finds /app/node_modules/tsx).
#
#   scripts/kubernetes/task-image.sh TAG PROJECT-DIR PATH... [--exclude=PATTERN...]
#   e.g. scripts/kubernetes/task-image.sh taskfit.local/task:dev . package.json dist src node_modules
#
# Use a tag other than :latest: pods then use the loaded image (imagePullPolicy IfNotPresent).
# Run as root, after up.sh.
set -euo pipefail

DIR=${TASKFIT_K8S_DIR:-/tmp/taskfit-kubernetes}
CACHE=${TASKFIT_K8S_CACHE:-/var/cache/taskfit-kubernetes}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

die() { printf 'task-image: ERROR: %s\n' "$*" >&2; exit 1; }

(($# >= 3)) || die "usage: $0 TAG PROJECT-DIR PATH... [--exclude=PATTERN...]"
TAG=$1 PROJECT=$2
shift 2
paths=() excludes=()
for arg in "$@"; do
  case $arg in
    --exclude=*) excludes+=("$arg") ;;
    *) paths+=("$arg") ;;
  esac
done
((${#paths[@]})) || die "no paths to put under /app"
[[ -s $CACHE/images/node-base.tar ]] || die "no Node base layer in $CACHE/images: run scripts/kubernetes/up.sh"
SOCK=$DIR/node/containerd/containerd.sock
ctr -a "$SOCK" version >/dev/null 2>&1 || die "containerd of the real node is not running at $SOCK: run scripts/kubernetes/up.sh"

# shellcheck source=image-lib.sh
source "$HERE/image-lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/taskfit-task-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The project's paths under app/, owned by root, symlinks kept (node_modules/.bin).
tar -C "$PROJECT" --numeric-owner --owner=0 --group=0 "${excludes[@]}" \
  --transform 's,^,app/,rhS' -cf "$work/app.tar" "${paths[@]}"
docker_archive "$work/image.tar" "$TAG" \
  '{"Env":["PATH=/usr/local/bin:/usr/bin:/bin"],"WorkingDir":"/app"}' \
  "$CACHE/images/node-base.tar" "$work/app.tar"
ctr -a "$SOCK" -n k8s.io images import "$work/image.tar" >/dev/null
printf 'task-image: loaded %s (%s) into %s\n' "$TAG" "$(du -h "$work/image.tar" | cut -f1)" "$SOCK"
