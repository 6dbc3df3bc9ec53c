#!/usr/bin/env bash
# Installs the command-line tools the alignment example and its tests run (bwa, samtools), from
# Debian's packages. Idempotent: does nothing when both are already on PATH. Needs root for apt-get.
set -euo pipefail

log() { printf 'tools-install: %s\n' "$*"; }

if command -v bwa >/dev/null && command -v samtools >/dev/null; then
  log "bwa and samtools are already installed"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { printf 'tools-install: ERROR: must run as root (apt-get)\n' >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends bwa samtools >/dev/null
log "installed $(command -v bwa) and $(command -v samtools) ($(samtools --version | head -n 1))"
