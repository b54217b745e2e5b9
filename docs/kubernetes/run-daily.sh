#!/bin/sh
# Runs one day's batch: the sharded Job, then the merge once every shard is done.
# Usage: run-daily.sh YYYY-MM-DD [SHARDS]
set -eu
DATE=${1:?usage: run-daily.sh YYYY-MM-DD [SHARDS]}
SHARDS=${2:-4}
HERE=$(dirname "$0")

# The manifests name 2025-11-20 and 4 shards; substitute this run's values.
sed -e "s/2025-11-20/$DATE/g" \
    -e "s/completions: 4/completions: $SHARDS/; s/parallelism: 4/parallelism: $SHARDS/" \
    -e "/name: SHARDS/{n;s/value: \"4\"/value: \"$SHARDS\"/}" \
    "$HERE/batch-job.yaml" | kubectl apply -f -

# Failed (unjudged) submissions make a shard exit non-zero; the merge still runs
# so that the officers get a queue. Wait for completion or failure.
kubectl wait --for=condition=complete --timeout=12h "job/prereview-batch-$DATE" ||
  echo "warning: job/prereview-batch-$DATE did not complete; merging what is on disk" >&2

sed -e "s/2025-11-20/$DATE/g" "$HERE/merge-job.yaml" | kubectl apply -f -
kubectl wait --for=condition=complete --timeout=1h "job/prereview-merge-$DATE"
