#!/usr/bin/env bash
# runner on a real Slurm: a one-node cluster on loopback (recipe: shared/slurm-local.md).
#   1. moons_sweep as an array of 4 tasks plus its merge job: files byte-identical to a local
#      run (runs.csv without its `seconds` column);
#   2. one task cancelled mid-run: the merge reports what is missing; the same command submitted
#      again trains only that and completes with the same files.
# Installs slurmctld, slurmd, slurm-client and munge with apt-get when they are missing. Runs as
# root. Fails loudly when Slurm cannot be installed or started; never skips. Stops only the
# daemons it started, and leaves the system's Slurm configuration alone (SLURM_CONF).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
fail() { echo "tests/slurm/run.sh: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (it starts munged, slurmctld and slurmd)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "installing Slurm and munge…"
  apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null \
    || fail "cannot install slurmctld slurmd slurm-client munge"
fi
pgrep -x slurmctld >/dev/null && fail "a slurmctld is already running; stop it first (this script starts its own)"
pgrep -x slurmd >/dev/null && fail "a slurmd is already running; stop it first (this script starts its own)"

S=$(mktemp -d /tmp/runner-slurm.XXXXXX)
STARTED_MUNGE=0
cleanup() {
  scontrol shutdown >/dev/null 2>&1 || true
  sleep 1
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  if [ "$STARTED_MUNGE" = 1 ] && [ -f /run/munge/munged.pid ]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  fi
  rm -rf "$S"
}
trap cleanup EXIT

# munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /run/munge
  [ -f /etc/munge/munge.key ] || { command -v mungekey >/dev/null && mungekey --create >/dev/null 2>&1 || create-munge-key -f >/dev/null 2>&1 || true; }
  chown -R munge:munge /etc/munge /var/log/munge /var/lib/munge /run/munge
  su -s /bin/sh munge -c munged || fail "munged did not start"
  STARTED_MUNGE=1
  munge -n | unmunge >/dev/null || fail "munge does not work"
fi

# slurm
H=$(hostname -s)
mkdir -p "$S/state" "$S/spool" "$S/log"
export SLURM_CONF=$S/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=local
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
AccountingStorageType=accounting_storage/none
ReturnToService=2
NodeName=$H NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=main Nodes=$H Default=YES State=UP MaxTime=INFINITE
CONF
slurmctld || fail "slurmctld did not start (log: $S/log/slurmctld.log)"
slurmd || fail "slurmd did not start (log: $S/log/slurmd.log)"
for _ in $(seq 60); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %t | grep -q idle || { cat "$S/log/slurmctld.log" "$S/log/slurmd.log" >&2 || true; fail "the node never became idle"; }
echo "slurm is up: $(sinfo -h -o '%P %D %t')"

cargo build --release -q
RUNNER=$ROOT/target/release/runner
EXP=$ROOT/experiments/moons_sweep.toml

# Waits until none of the jobs is in the queue.
wait_jobs() {
  for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 1
  done
  squeue >&2
  fail "jobs $1 still queued after 10 minutes"
}
# Compares two results folders: every file byte for byte (the report, its figures, the weights
# and the data included), runs.csv without `seconds`.
same() {
  local files
  files=$(cd "$1" && find . \( -path ./.runner -o -path ./slurm \) -prune -o -type f ! -name runs.csv -print | sort)
  [ "$files" = "$(cd "$2" && find . \( -path ./.runner -o -path ./slurm \) -prune -o -type f ! -name runs.csv -print | sort)" ] \
    || fail "$1 and $2 hold different files"
  for f in $files epochs.csv summary.csv curves.csv experiment.toml report.html; do
    cmp "$1/$f" "$2/$f" || fail "$f differs between $1 and $2"
  done
  cmp <(sed 's/,[^,]*$//' "$1/runs.csv") <(sed 's/,[^,]*$//' "$2/runs.csv") || fail "runs.csv differs"
}
submit() {
  "$RUNNER" slurm "$EXP" --array 4 --out "$1" "${@:2}" --submit | tee "$S/submit.txt"
  A=$(sed -n 's/^submitted array job \([0-9]*\) .*merge job \([0-9]*\)$/\1/p' "$S/submit.txt")
  M=$(sed -n 's/^submitted array job \([0-9]*\) .*merge job \([0-9]*\)$/\2/p' "$S/submit.txt")
  [ -n "$A" ] && [ -n "$M" ] || fail "no job ids in: $(cat "$S/submit.txt")"
}

echo "== 1. an array of 4 plus the merge, against a local run"
"$RUNNER" "$EXP" --out "$S/local" -q >/dev/null
submit "$S/cluster"
wait_jobs "$A,$M"
grep -q "results in" "$S/cluster/slurm/logs/merge.log" || { cat "$S/cluster/slurm/logs/"*.log >&2; fail "the merge job did not assemble"; }
same "$S/local" "$S/cluster"
echo "identical to the local run"

echo "== 2. one task cancelled mid-run, then the same command again"
LONG=(--set train.epochs=150000)
"$RUNNER" "$EXP" --out "$S/local2" -q "${LONG[@]}" >/dev/null
submit "$S/cut" "${LONG[@]}"
for _ in $(seq 120); do
  [ "$(squeue -h -j "${A}_1" -o %T 2>/dev/null)" = RUNNING ] && break
  sleep 0.5
done
[ "$(squeue -h -j "${A}_1" -o %T)" = RUNNING ] || fail "task 1 never ran"
sleep 1
scancel "${A}_1"
wait_jobs "$A,$M"
grep -q "runs are not finished" "$S/cut/slurm/logs/merge.log" || { cat "$S/cut/slurm/logs/merge.log" >&2; fail "the merge did not report the missing runs"; }
[ ! -f "$S/cut/epochs.csv" ] || fail "files assembled with a task missing"
"$RUNNER" status "$S/cut"
submit "$S/cut" "${LONG[@]}"
wait_jobs "$A,$M"
grep -q "results in" "$S/cut/slurm/logs/merge.log" || { cat "$S/cut/slurm/logs/"*.log >&2; fail "the resubmitted merge did not assemble"; }
for k in 0 2 3; do
  grep -q "0 trained here" "$S/cut/slurm/logs/task-$k.log" || fail "task $k trained again: $(cat "$S/cut/slurm/logs/task-$k.log")"
done
same "$S/local2" "$S/cut"
echo "identical to the local run after the resubmission"

echo "== 3. awkward paths and values"
ODD="$S/it's a \"dir\" \$HOME"
mkdir -p "$ODD"
cp "$EXP" "$ODD/moons_sweep.toml"
"$RUNNER" slurm "$ODD/moons_sweep.toml" --array 2 --out "$ODD/out put" --sbatch="--comment=a 'b' \"c\" \$d" >"$S/printed.txt"
# The printed command, pasted into a shell, submits the same thing.
CMD=$(grep -A1 'submit them with' "$S/printed.txt" | tail -1)
[ -n "$CMD" ] || fail "no submit command in: $(cat "$S/printed.txt")"
eval "$CMD" | tee "$S/submit.txt"
A=$(sed -n 's/^submitted array job \([0-9]*\) .*merge job \([0-9]*\)$/\1/p' "$S/submit.txt")
M=$(sed -n 's/^submitted array job \([0-9]*\) .*merge job \([0-9]*\)$/\2/p' "$S/submit.txt")
[ -n "$A" ] && [ -n "$M" ] || fail "no job ids in: $(cat "$S/submit.txt")"
[ "$(scontrol show job "$A" | sed -n 's/^ *Comment=\(.*[^ ]\) *$/\1/p' | head -1)" = "a 'b' \"c\" \$d" ] \
  || fail "the comment reached Slurm as: $(scontrol show job "$A" | grep Comment)"
wait_jobs "$A,$M"
grep -q "results in" "$ODD/out put/slurm/logs/merge.log" || { ls -R "$ODD" >&2; fail "the merge job did not assemble (or its log is not where the path says)"; }
for k in 0 1; do [ -s "$ODD/out put/slurm/logs/task-$k.log" ] || fail "task $k's log is missing"; done
same "$S/local" "$ODD/out put"
echo "identical to the local run, through paths with spaces, quotes and \$"
echo "tests/slurm/run.sh: passed"
