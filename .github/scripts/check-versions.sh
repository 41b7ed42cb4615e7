#!/usr/bin/env bash
# Checks that what config asks AWS for in one environment can still be created: fails (exit 1)
# naming every version or class AWS no longer offers, and a wrong S3 prefix list. Run by versions.yml weekly, with the
# environment's describe-only role. Usage: check-versions.sh ENV TEMPLATES_DIR
#   ENV            an environment of config
#   TEMPLATES_DIR  a synthesized cloud assembly (for the Lambda runtimes of CDK's providers)
set -euo pipefail
env_name=$1
assembly=$2

# REGION, POSTGRES_VERSION, RDS_INSTANCE_CLASS, DMS_VERSION, DMS_INSTANCE_CLASS, AIRFLOW_VERSION,
# S3_PREFIX_LIST, DATABRICKS_NODE_TYPE and DATABRICKS_ZONES (empty where Databricks is off)
eval "$(go run ./cmd/versions -env "$env_name")"

failures=0
fail() {
  echo "::error::$env_name: $*"
  failures=$((failures + 1))
}

found=$(aws rds describe-db-engine-versions --region "$REGION" --engine postgres \
  --engine-version "$POSTGRES_VERSION" --query 'DBEngineVersions[0].EngineVersion' --output text)
[ "$found" = "$POSTGRES_VERSION" ] || fail "RDS no longer offers PostgreSQL $POSTGRES_VERSION (config database.engineVersion)"

found=$(aws rds describe-orderable-db-instance-options --region "$REGION" --engine postgres \
  --engine-version "$POSTGRES_VERSION" --db-instance-class "$RDS_INSTANCE_CLASS" \
  --query 'length(OrderableDBInstanceOptions)' --output text)
[ "$found" != "0" ] || fail "RDS cannot create a $RDS_INSTANCE_CLASS with PostgreSQL $POSTGRES_VERSION (config database.instanceClass)"

found=$(aws dms describe-engine-versions --region "$REGION" \
  --query "EngineVersions[?Version=='$DMS_VERSION'].Version | [0]" --output text)
[ "$found" = "$DMS_VERSION" ] || fail "DMS no longer offers engine version $DMS_VERSION (config cdc.engineVersion)"

found=$(aws dms describe-orderable-replication-instances --region "$REGION" \
  --query "length(OrderableReplicationInstances[?ReplicationInstanceClass=='$DMS_INSTANCE_CLASS' && contains(AvailabilityZones, '${REGION}a')])" --output text)
[ "$found" != "0" ] || fail "DMS offers no $DMS_INSTANCE_CLASS replication instance in $REGION (config cdc.instanceClass)"

# Security groups reach S3 through the region's managed prefix list, whose ID config holds.
found=$(aws ec2 describe-managed-prefix-lists --region "$REGION" \
  --filters "Name=prefix-list-name,Values=com.amazonaws.$REGION.s3" --query 'PrefixLists[0].PrefixListId' --output text)
[ "$found" = "$S3_PREFIX_LIST" ] || fail "the S3 prefix list of $REGION is $found, not $S3_PREFIX_LIST (config network.s3PrefixListId)"

# The jobs' clusters run on config's node type in the workspace's zones: EC2 must still offer it
# there. Config accepts only types of Databricks' documented list (config.DatabricksNodeTypes);
# whether Databricks still lists it would take a Databricks identity (clusters list-node-types),
# which this check does not have: that list is kept by hand (docs/cicd.md).
if [ -n "$DATABRICKS_NODE_TYPE" ]; then
  offered=$(aws ec2 describe-instance-type-offerings --region "$REGION" --location-type availability-zone \
    --filters "Name=instance-type,Values=$DATABRICKS_NODE_TYPE" "Name=location,Values=$DATABRICKS_ZONES" \
    --query 'InstanceTypeOfferings[].Location' --output text)
  for zone in ${DATABRICKS_ZONES//,/ }; do
    tr -s '[:space:]' '\n' <<<"$offered" | grep -qxF "$zone" ||
      fail "EC2 does not offer $DATABRICKS_NODE_TYPE in $zone (config databricks.nodeType, databricks.availabilityZones)"
  done
fi

# MWAA has no versions API: its user guide's versions page is the list. A failed fetch fails.
page=$(curl -fsSL --retry 3 https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html)
grep -q "v$AIRFLOW_VERSION" <<<"$page" || fail "the MWAA user guide no longer lists Airflow $AIRFLOW_VERSION (config airflow.version)"

# CDK's own providers (BucketDeployment, AwsCustomResource, auto-delete) pin their runtimes.
# Lambda's runtimes page lists supported runtimes before the deprecated ones.
page=$(curl -fsSL --retry 3 https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
supported=${page%%Deprecated runtimes*}
runtimes=$(grep -oh '"Runtime": *"[^"]*"' "$assembly"/assembly-"$env_name"/*.template.json | cut -d'"' -f4 | sort -u)
[ -n "$runtimes" ] || fail "no Lambda runtime found in $assembly/assembly-$env_name: is it a synth of $env_name?"
for runtime in $runtimes; do
  grep -qF "$runtime" <<<"$supported" || fail "Lambda lists runtime $runtime of a CDK provider as deprecated or not at all: upgrade aws-cdk-lib"
done

if [ "$failures" -gt 0 ]; then
  echo "$env_name: $failures of config's versions or classes can no longer be used" >&2
  exit 1
fi
echo "$env_name: every engine version, class, node type, Airflow version and Lambda runtime is still offered"
