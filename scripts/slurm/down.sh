#!/usr/bin/env bash
# Stops the Slurm cluster started by scripts/slurm/up.sh: only the daemons whose PIDs it recorded
# in the state directory ($TASKFIT_SLURM_DIR, default /tmp/taskfit-slurm). Never kills by name.
# Unfinished jobs are cancelled first. Keeps packages, config and state (job ids continue on the
# next up.sh). Safe to run when nothing is running.
set -euo pipefail

DIR=${TASKFIT_SLURM_DIR:-/tmp/taskfit-slurm}

log() { printf 'slurm-down: %s\n' "$*"; }

# shellcheck source=../lib/stop-recorded.sh
source "$(dirname "$0")/../lib/stop-recorded.sh"

# The daemon's process name is still NAME.
is_daemon() { [[ $(cat "/proc/$2/comm" 2>/dev/null) == "$1" ]]; }
stop() { stop_recorded "$1" "$2" 10 is_daemon; }

if [[ ! -d $DIR ]]; then
  log "no state directory $DIR, nothing to stop"
  exit 0
fi

# Talk to the controller of this state dir even if /etc/slurm points elsewhere.
[[ -f $DIR/slurm.conf ]] && export SLURM_CONF=$DIR/slurm.conf

# Job steps (slurmstepd + the job's processes) outlive slurmd by design; cancel the jobs through
# our own controller so no test job keeps running after teardown. Only when it is ours and up.
ctld_pid=$(cat "$DIR/run/slurmctld.pid" 2>/dev/null || true)
if [[ $ctld_pid =~ ^[0-9]+$ && $(cat "/proc/$ctld_pid/comm" 2>/dev/null) == slurmctld ]] &&
  scontrol ping 2>/dev/null | grep -q 'is UP'; then
  mapfile -t jobs < <(squeue -h -o %i 2>/dev/null || true)
  if ((${#jobs[@]})); then
    log "jobs: cancelling ${#jobs[*]} unfinished job(s)"
    scancel "${jobs[@]}" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      [[ -z $(squeue -h -t PD,R,CG,CF,S -o %i 2>/dev/null) ]] && break
      sleep 0.2
    done
  fi
fi

# slurmd first so it does not log errors about a vanished controller; munged last, since both
# daemons use it while shutting down. munged.pid exists only if up.sh started munged.
stop slurmd "$DIR/run/slurmd.pid"
stop slurmctld "$DIR/run/slurmctld.pid"
stop munged "$DIR/run/munged.pid"
log "done"
