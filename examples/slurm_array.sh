#!/usr/bin/env bash
# Runs diffbound on a Slurm cluster as a job array: one shard of the selected cases per array task,
# then one job that merges the shards into one results set (and its report).
#
#   examples/slurm_array.sh SHARDS OUT [diffbound run options...]
#
# e.g. examples/slurm_array.sh 16 /scratch/$USER/diffbound --size full
#      examples/slurm_array.sh 8 runs/custom --config examples/sweep.json --scalar mpfi
#
# Run from the repository's root (or set DIFFBOUND to the program). Called without SLURM_ARRAY_TASK_ID
# it submits itself as the array (sbatch --array=1-SHARDS) and the merge job (afterok on the array);
# inside an array task it runs shard $SLURM_ARRAY_TASK_ID of SHARDS into OUT/shard-<i>.
#
# Every task runs with --resume: a task that is preempted, requeued or killed continues from the cases
# its journal holds, and a task that already finished writes the same results again. Every task must
# be given the same options (they are recorded in the results; 'diffbound merge' refuses shards of
# different runs, and so does --resume). The threads of a task are the cores Slurm gives it
# (--cpus-per-task below): do not pass --threads, --shard, --out or --resume yourself.
#
#SBATCH --job-name=diffbound
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --output=diffbound-%A_%a.log
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 SHARDS OUT [diffbound run options...]" >&2
  exit 2
fi
shards=$1
out=$2
shift 2
diffbound=${DIFFBOUND:-$PWD/build/diffbound}

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # The launcher: the array, then the merge once every task has succeeded.
  mkdir -p "$out"
  array_job=$(sbatch --parsable --array=1-"$shards" --export=ALL,DIFFBOUND="$diffbound" "$0" "$shards" "$out" "$@")
  array_job=${array_job%%;*}
  shard_dirs=()
  for i in $(seq 1 "$shards"); do shard_dirs+=("$out/shard-$i"); done
  merge_job=$(sbatch --parsable --dependency=afterok:"$array_job" --job-name=diffbound-merge \
    --output="$out/merge.log" --wrap="$(printf '%q ' "$diffbound" merge "$out/merged" "${shard_dirs[@]}")")
  echo "submitted: array job $array_job ($shards shards), merge job ${merge_job%%;*}; results in $out/merged"
  exit 0
fi

# One array task: its shard, on the cores Slurm gave it, quiet (a log file is not a terminal anyway), no
# report (the merge job draws the report of all shards). Exit status 1 means a complete shard with
# VIOLATED findings: the task did its job, so it succeeds and the merge job (whose status is 1 then)
# reports the findings; 2 (usage) and 3 (a case failed to run) fail the task.
status=0
"$diffbound" run "$@" --threads "${SLURM_CPUS_PER_TASK:-1}" --shard "$SLURM_ARRAY_TASK_ID/$shards" \
  --out "$out/shard-$SLURM_ARRAY_TASK_ID" --resume --no-progress --no-report || status=$?
if [ "$status" -eq 1 ]; then status=0; fi
exit "$status"
