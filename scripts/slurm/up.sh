#!/usr/bin/env bash
# Starts a single-node Slurm cluster (Debian's Slurm 22.05 + munge) on loopback, without systemd,
# for the SlurmScheduler integration tests. Run as root; idempotent (a healthy cluster is reused).
#
# How clients find the config: once the cluster is ready the config is copied to
# /etc/slurm/slurm.conf and /etc/slurm/gres.conf (Debian's default path), so plain
# `sbatch`/`squeue`/`sinfo` work from any shell with no SLURM_CONF. The daemons read the master
# copy in the state directory ($TASKFIT_SLURM_DIR, default /tmp/taskfit-slurm), which also holds
# state, spool, logs, the fake GPU devices and the PID files of the daemons this script started.
# scripts/slurm/down.sh stops them. Running up.sh again restarts only a daemon that has died.
set -euo pipefail

DIR=${TASKFIT_SLURM_DIR:-/tmp/taskfit-slurm}
TIMEOUT=${TASKFIT_SLURM_TIMEOUT:-60}
ETC=/etc/slurm
MARKER="# Written by taskfit scripts/slurm/up.sh"

log() { printf 'slurm-up: %s\n' "$*"; }
die() { printf 'slurm-up: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (daemons, /etc/slurm and apt need it)"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P) # slurm.conf wants absolute paths

# PID files: slurmctld/slurmd write their own (paths set in slurm.conf); munged's is written
# only when this script started it, so down.sh never stops a munged it does not own.
CTLD_PID=$DIR/run/slurmctld.pid
SLURMD_PID=$DIR/run/slurmd.pid
MUNGED_PID=$DIR/run/munged.pid

# The exact start commands; restart a stopped daemon with these (or just rerun up.sh).
start_slurmctld() { slurmctld -f "$DIR/slurm.conf"; }
start_slurmd() { slurmd -f "$DIR/slurm.conf" -N localhost; }

# Prints the PID in $1 if that process is alive, else nothing.
alive_pid() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# True if something accepts connections on 127.0.0.1:$1 (bash /dev/tcp; no ss/netstat needed).
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

node_state() { sinfo -h -n localhost -o %t 2>/dev/null | head -n 1 || true; }
ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

# Clients read /etc/slurm/slurm.conf; keep a foreign config aside once instead of clobbering it.
publish_conf() {
  local f
  mkdir -p "$ETC"
  for f in slurm.conf gres.conf; do
    if [[ -f $ETC/$f ]] && ! grep -qF "$MARKER" "$ETC/$f" && [[ ! -e $ETC/$f.taskfit-orig ]]; then
      cp -p "$ETC/$f" "$ETC/$f.taskfit-orig"
      log "config: saved the existing $ETC/$f as $f.taskfit-orig"
    fi
    cp "$DIR/$f" "$ETC/$f"
  done
  log "config: copied to $ETC/ for clients"
}

log_tails() {
  local f
  for f in "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log"; do
    printf -- '--- tail of %s ---\n' "$f" >&2
    tail -n 20 "$f" >&2 2>/dev/null || echo "(missing)" >&2
  done
}

# Dies with the log tails if slurmctld or slurmd is not alive ($1: grace seconds since start).
check_daemons() {
  local name grace=${1:-3}
  for name in slurmctld slurmd; do
    if ((SECONDS - started >= grace)) && ! alive_pid "$DIR/run/$name.pid" >/dev/null; then
      log_tails
      die "$name is not running (see $DIR/log/$name.log)"
    fi
  done
}

# Sends TERM, waits, then KILL; used when the config changed under running daemons.
stop_pidfile() {
  local pid i
  pid=$(alive_pid "$1") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

# --- 1. packages -----------------------------------------------------------------------------
pkgs=(slurmctld slurmd slurm-client munge)
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
  command -v sbatch >/dev/null && command -v munged >/dev/null; then
  log "packages: already installed ($(slurmctld -V))"
else
  log "packages: installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Only refresh the index when the install fails without it (saves ~10 s on a warm image).
  if ! apt-get install -y --no-install-recommends "${pkgs[@]}" >"$DIR/apt.log" 2>&1; then
    log "packages: install failed, running apt-get update and retrying"
    apt-get update >>"$DIR/apt.log" 2>&1 || { tail -n 20 "$DIR/apt.log" >&2; die "apt-get update failed"; }
    apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$DIR/apt.log" 2>&1 ||
      { tail -n 20 "$DIR/apt.log" >&2; die "apt-get install failed"; }
  fi
  log "packages: installed ($(slurmctld -V))"
fi

# --- 2. config -------------------------------------------------------------------------------
mkdir -p "$DIR"/{state,spool,log,run,dev,munge}
# Fake GPUs: gres.conf needs a File= per GPU or slurmd drops them and the node drains.
for i in 0 1 2; do ln -sfn /dev/null "$DIR/dev/nvidia$i"; done

new_conf=$(cat <<EOF
$MARKER (state dir $DIR); edits are overwritten.
ClusterName=taskfit
SlurmctldHost=localhost
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
# No mail on this box; the default /bin/mail does not exist.
MailProg=/bin/true
# No cgroups in the container: track processes by parentage, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default a job with no --mem would take the whole node.
DefMemPerCPU=1024
# Refuse impossible requests at submit instead of pending forever.
EnforcePartLimits=ALL
# Start jobs immediately instead of batching submits.
SchedulerParameters=batch_sched_delay=0,sched_interval=2,bf_interval=2,sched_min_interval=0
# The node may declare more CPUs/memory/disk than this machine has.
SlurmdParameters=config_overrides
ReturnToService=2
# Finished jobs stay visible to squeue/scontrol for 10 minutes.
MinJobAge=600
KillWait=2
InactiveLimit=0
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
# Memory is only enforced with polling accounting + OverMemoryKill.
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
JobAcctGatherFrequency=task=1
# No AccountingStorageTRES=gres/gpu: without slurmdbd slurmctld dies on it.
GresTypes=gpu
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=localhost CPUs=4 RealMemory=8192 TmpDisk=20000 Gres=gpu:a10g:2,gpu:v100:1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
)
new_gres=$(cat <<EOF
$MARKER (state dir $DIR); edits are overwritten.
AutoDetect=off
Name=gpu Type=a10g File=$DIR/dev/nvidia[0-1]
Name=gpu Type=v100 File=$DIR/dev/nvidia2
EOF
)

conf_changed=0
[[ -f $DIR/slurm.conf && $(<"$DIR/slurm.conf") == "$new_conf" ]] || conf_changed=1
[[ -f $DIR/gres.conf && $(<"$DIR/gres.conf") == "$new_gres" ]] || conf_changed=1
printf '%s\n' "$new_conf" >"$DIR/slurm.conf"
printf '%s\n' "$new_gres" >"$DIR/gres.conf"

# This script's own client calls use the state dir copy; /etc/slurm is only updated once the
# cluster is up, so a failed run does not point other shells at a dead cluster.
export SLURM_CONF=$DIR/slurm.conf
log "config: $DIR/slurm.conf"

# --- 3. reuse a healthy cluster ----------------------------------------------------------------
if ((conf_changed)); then
  if alive_pid "$CTLD_PID" >/dev/null || alive_pid "$SLURMD_PID" >/dev/null; then
    log "config changed: restarting the slurm daemons this script started"
    stop_pidfile "$SLURMD_PID"
    stop_pidfile "$CTLD_PID"
  fi
elif alive_pid "$CTLD_PID" >/dev/null && alive_pid "$SLURMD_PID" >/dev/null && ctld_up; then
  case $(node_state) in
    idle | mix | alloc)
      publish_conf
      log "cluster: already running and healthy (node $(node_state)), reusing it"
      exit 0
      ;;
  esac
fi

# --- 4. munged ---------------------------------------------------------------------------------
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "munged: already running, reusing it"
else
  [[ -f /etc/munge/munge.key ]] || die "/etc/munge/munge.key missing (reinstall munge)"
  # Runs as the munge user because the key belongs to it (as root munged refuses it).
  mkdir -p /run/munge && chown munge:munge /run/munge
  chown munge:munge "$DIR/munge"
  rm -f "$DIR/munge/munged.pid"
  runuser -u munge -- /usr/sbin/munged \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" ||
    die "munged failed to start, see $DIR/munge/munged.log"
  for ((i = 0; i < 50; i++)); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n | unmunge >/dev/null || die "munged started but munge/unmunge fails"
  cp "$DIR/munge/munged.pid" "$MUNGED_PID"
  log "munged: started (pid $(<"$MUNGED_PID"))"
fi

# --- 5. slurmctld and slurmd --------------------------------------------------------------------
if pid=$(alive_pid "$CTLD_PID"); then
  log "slurmctld: already running (pid $pid)"
else
  rm -f "$CTLD_PID"
  # Another controller on the port would answer our readiness checks and hide our failure.
  port_busy 6817 && die "port 6817 is in use by a slurmctld this script did not start (state dir $DIR); stop it first"
  start_slurmctld || die "slurmctld failed to start"
  log "slurmctld: started"
fi
if pid=$(alive_pid "$SLURMD_PID"); then
  log "slurmd: already running (pid $pid)"
else
  rm -f "$SLURMD_PID"
  port_busy 6818 && die "port 6818 is in use by a slurmd this script did not start (state dir $DIR); stop it first"
  start_slurmd || die "slurmd failed to start"
  log "slurmd: started"
fi

# --- 6. readiness ------------------------------------------------------------------------------
# slurmctld exits 0 even when it dies on a bad config, so only `scontrol ping` proves it is up.
# A daemon that died (e.g. fatal config error) fails fast instead of after the full timeout;
# the PID files appear only once the daemons have forked, hence the short grace period.
started=$SECONDS
deadline=$((SECONDS + TIMEOUT))
until ctld_up; do
  check_daemons
  if ((SECONDS >= deadline)); then
    log_tails
    die "slurmctld not UP after ${TIMEOUT}s (scontrol ping: $(scontrol ping 2>&1 | tr -s '\n*' ' '))"
  fi
  sleep 0.5
done
log "slurmctld: UP"

resumed=0
while :; do
  state=$(node_state)
  case $state in
    idle | mix | alloc) break ;; # a trailing * would mean "not responding"
    drain* | down* | drng* | fail*)
      if ((!resumed)); then
        log "node: $state, resuming it once"
        scontrol update nodename=localhost state=resume || true
        resumed=1
      fi
      ;;
  esac
  check_daemons
  if ((SECONDS >= deadline)); then
    log_tails
    die "node localhost not idle after ${TIMEOUT}s (state '${state:-none}'; reason: $(sinfo -h -n localhost -o %E 2>&1))"
  fi
  sleep 0.5
done
check_daemons 0 # both must still be alive once the node is idle
log "slurmd: node localhost $state (pid $(alive_pid "$SLURMD_PID"))"
publish_conf
log "cluster: ready (state dir $DIR)"
