#!/usr/bin/env bash
# Triggers the platform_smoke DAG of one environment through MWAA's InvokeRestApi and waits for
# its run. Exits 0 when the run succeeds; 1 when it fails, naming each failed task (a failed
# arrive_<stage> names its stage), or when it has not finished in time, naming the tasks still
# waiting. Run by deploy.yml after the staging deploy and by `make smoke ENV=<env>`, with the
# caller's AWS credentials: airflow:InvokeRestApi on the environment's Airflow role User where
# the webserver is public; where it is PRIVATE_ONLY, MWAA refuses InvokeRestApi from outside
# the VPC, so each call goes through the environment's relay function inside it
# (lambda:InvokeFunction on <prefix>-<env>-airflow-relay; stacks/airflow_relay.go).
# Usage: smoke.sh ENV (fails, saying why, where ENV has MWAA off: airflow.disabled)
#   SMOKE_TIMEOUT   seconds to wait for the run once triggered (default 3600)
#   SMOKE_POLL      seconds between two reads of the run (default 30)
#   SMOKE_FROM_VPC  1 to call InvokeRestApi directly for a PRIVATE_ONLY environment, from a
#                   machine inside its VPC, instead of through the relay (docs/operations.md)
#
# MWAA's traps (docs/operations.md, "Triggering the smoke run"): a path is at most 64
# characters, so the run ID is short; a call must finish within 10 seconds, so the script polls
# instead of waiting in one call; Airflow 3's trigger body requires logical_date (null: the run
# is not tied to a data interval); a paused DAG's run stays queued, so the DAG is unpaused first.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 ENV" >&2
  exit 2
fi
env_name=$1
timeout=${SMOKE_TIMEOUT:-3600}
poll=${SMOKE_POLL:-30}
dag=platform_smoke

# REGION, AIRFLOW_ENVIRONMENT, WEBSERVER_ACCESS and RELAY_FUNCTION (set where the webserver is
# PRIVATE_ONLY) of the environment, from config.
# An environment with MWAA off has no DAG to run: cmd/smoke says so and fails, and so does this
# script (the assignment, unlike eval of a command substitution, stops on the failure).
settings=$(go run ./cmd/smoke -env "$env_name") || exit 1
eval "$settings"

relay=""
if [ "$WEBSERVER_ACCESS" = PRIVATE_ONLY ] && [ "${SMOKE_FROM_VPC:-}" != 1 ]; then
  relay=$RELAY_FUNCTION
  echo "$env_name: the webserver of $AIRFLOW_ENVIRONMENT is PRIVATE_ONLY; calling it through the relay $relay"
fi
answer=$(mktemp)
trap 'rm -f "$answer"' EXIT

# api METHOD PATH [BODY] [QUERY]: one Airflow REST API call through InvokeRestApi, directly or
# through the relay; prints the Airflow response's JSON. Fails on an Airflow status of 400 or
# more (the direct CLI call then exits non-zero; the relay raises, or answers that status), and
# on a relay error, printing the relay's message.
api() {
  local method=$1 path=$2 args payload meta status
  if [ ${#path} -gt 64 ]; then
    echo "::error::InvokeRestApi path $path has ${#path} characters; MWAA accepts at most 64" >&2
    return 1
  fi
  if [ -z "$relay" ]; then
    args=(mwaa invoke-rest-api --region "$REGION" --name "$AIRFLOW_ENVIRONMENT"
      --method "$method" --path "$path" --output json)
    if [ -n "${3:-}" ]; then args+=(--body "$3"); fi
    if [ -n "${4:-}" ]; then args+=(--query-parameters "$4"); fi
    aws "${args[@]}" | jq -c '.RestApiResponse'
    return
  fi
  payload=$(jq -nc --arg method "$method" --arg path "$path" --arg body "${3:-}" --arg query "${4:-}" \
    '{method: $method, path: $path}
     + (if $body == "" then {} else {body: ($body | fromjson)} end)
     + (if $query == "" then {} else {query: ($query | fromjson)} end)')
  meta=$(aws lambda invoke --region "$REGION" --function-name "$relay" \
    --cli-binary-format raw-in-base64-out --payload "$payload" --output json "$answer") || return 1
  if [ "$(jq -r '.FunctionError // empty' <<<"$meta")" != "" ]; then
    echo "relay $relay refused or failed $method $path: $(jq -r '.errorMessage // .' "$answer" 2>/dev/null || cat "$answer")" >&2
    return 1
  fi
  status=$(jq -r '.status' "$answer")
  if ! [[ $status =~ ^[0-9]+$ ]] || [ "$status" -ge 400 ]; then
    echo "relay $relay: $method $path answered status $status: $(jq -c '.response' "$answer")" >&2
    return 1
  fi
  jq -c '.response' "$answer"
}

# A short run ID keeps the longest path, .../dagRuns/<id>/taskInstances, within 64 characters.
run_id=$(printf 'smk-%s-%04x' "$(date -u +%s)" "$RANDOM")
run_path=/dags/$dag/dagRuns/$run_id
note="smoke.sh ENV=$env_name"
if [ -n "${GITHUB_RUN_ID:-}" ]; then
  note+=" from $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
fi

if ! api PATCH "/dags/$dag" '{"is_paused": false}' >/dev/null; then
  echo "::error::$env_name: could not unpause $dag in $AIRFLOW_ENVIRONMENT" >&2
  exit 1
fi
if ! api POST "/dags/$dag/dagRuns" "$(jq -nc --arg id "$run_id" --arg note "$note" \
  '{dag_run_id: $id, logical_date: null, conf: {}, note: $note}')" >/dev/null; then
  echo "::error::$env_name: could not trigger $dag in $AIRFLOW_ENVIRONMENT" >&2
  exit 1
fi
echo "$env_name: triggered $dag run $run_id in $AIRFLOW_ENVIRONMENT; waiting up to $timeout s"

# task_instances JQ_FILTER: "task_id state" of each of the run's task instances the filter keeps.
task_instances() {
  local offset=0 page total
  while :; do
    page=$(api GET "$run_path/taskInstances" "" "{\"limit\": 100, \"offset\": $offset}") || return 1
    jq -r ".task_instances[] | select($1) | \"\(.task_id) \(.state)\"" <<<"$page"
    total=$(jq -r '.total_entries' <<<"$page")
    offset=$((offset + 100))
    [ "$offset" -lt "$total" ] || break
  done | sort -u
}

# one_line: the lines of standard input joined with "; ", for one ::error:: annotation.
one_line() {
  paste -sd ';' - | sed 's/;/; /g'
}

# describe: each task as "task_id (state)", an arrive_<stage> task also naming its stage.
describe() {
  local task state
  while read -r task state; do
    if [[ $task == arrive_* ]]; then
      echo "stage ${task#arrive_} (task $task, $state)"
    else
      echo "task $task ($state)"
    fi
  done
}

deadline=$((SECONDS + timeout))
state=""
errors=0
while :; do
  if run=$(api GET "$run_path"); then
    errors=0
    previous=$state
    state=$(jq -r '.state' <<<"$run")
    [ "$state" = "$previous" ] || echo "$env_name: $dag run $run_id is $state"
    case $state in
      success)
        echo "$env_name: $dag run $run_id succeeded: data crossed every applicable path in its budget"
        exit 0
        ;;
      failed)
        failed=$(task_instances '.state == "failed"' | describe) ||
          failed="its task instances could not be read"
        echo "::error::$env_name: $dag run $run_id failed: $(one_line <<<"${failed:-no task failed (the run itself was failed)}")" >&2
        exit 1
        ;;
    esac
  else
    # A read that times out or is throttled is tried again; five in a row end the wait.
    errors=$((errors + 1))
    if [ "$errors" -ge 5 ]; then
      echo "::error::$env_name: $errors reads in a row of $dag run $run_id failed" >&2
      exit 1
    fi
  fi
  if [ $((SECONDS + poll)) -gt "$deadline" ]; then
    break
  fi
  sleep "$poll"
done

waiting=$(task_instances '.state != "success" and .state != "skipped" and .state != "failed" and .state != "upstream_failed"' | describe) ||
  waiting="its task instances could not be read"
echo "::error::$env_name: $dag run $run_id did not finish within $timeout s (still ${state:-unread}), waiting on: $(one_line <<<"${waiting:-no task}")" >&2
exit 1
