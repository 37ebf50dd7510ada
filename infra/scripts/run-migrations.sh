#!/usr/bin/env bash
# Runs `assay migrate up` with IMAGE as the environment's migration job (a Container Apps
# job) and waits for it: deploys update the apps only after the migrations applied.
# Needs an `az login` with rights on the resource group, and:
#   RESOURCE_GROUP  the environment's resource group
#   MIGRATE_JOB     the migration job's name (terraform output app_names)
#   IMAGE           the image to migrate with, e.g. <registry>/assay:<git sha>
set -euo pipefail
: "${RESOURCE_GROUP:?set RESOURCE_GROUP}" "${MIGRATE_JOB:?set MIGRATE_JOB}" "${IMAGE:?set IMAGE}"
timeout_s="${MIGRATE_TIMEOUT_SECONDS:-1800}"

az containerapp job update --name "$MIGRATE_JOB" --resource-group "$RESOURCE_GROUP" \
  --image "$IMAGE" --output none
execution="$(az containerapp job start --name "$MIGRATE_JOB" --resource-group "$RESOURCE_GROUP" \
  --query name --output tsv)"
echo "migration execution $execution started with $IMAGE"

deadline=$(( $(date +%s) + timeout_s ))
status=Unknown
while [ "$(date +%s)" -lt "$deadline" ]; do
  status="$(az containerapp job execution show --name "$MIGRATE_JOB" --resource-group "$RESOURCE_GROUP" \
    --job-execution-name "$execution" --query properties.status --output tsv)"
  case "$status" in
    Succeeded)
      echo "migrations applied"
      exit 0
      ;;
    Failed | Stopped | Degraded)
      echo "migration execution $execution ended: $status" >&2
      az containerapp job logs show --name "$MIGRATE_JOB" --resource-group "$RESOURCE_GROUP" \
        --execution "$execution" --container migrate --format text 2>/dev/null || true
      exit 1
      ;;
  esac
  sleep 10
done
echo "migration execution $execution still $status after ${timeout_s}s" >&2
exit 1
