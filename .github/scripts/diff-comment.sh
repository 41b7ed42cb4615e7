#!/usr/bin/env bash
# Usage: diff-comment.sh ENVIRONMENT DIFF_FILE
# Prints the Markdown body of the pull-request comment for one environment's `cdk diff`
# (run with --no-color). The first line is the marker diff.yml uses to find and update the
# comment on every push. Deletions and replacements of stateful resources are listed on top.
set -euo pipefail

environment=$1
diff_file=$2

# Resource types whose replacement or deletion loses data or breaks consumers.
stateful='AWS::S3::Bucket|AWS::RDS::DBInstance|AWS::RDS::DBCluster|AWS::Kinesis::Stream|AWS::KMS::Key|AWS::SecretsManager::Secret|AWS::DMS::Endpoint|AWS::Glue::Database'

# cdk diff prints one line per changed resource: `[-] TYPE PATH ID destroy|orphan` for a
# deletion and `[~] TYPE PATH ID replace|may be replaced` for a replacement.
risky=$(grep -E "^\[-\] ($stateful) |^\[~\] ($stateful) .*(replace|may be replaced)" "$diff_file" || true)

# GitHub rejects comments over 65536 characters; keep room for the rest of the body.
max=60000

echo "<!-- cdk-diff:$environment -->"
echo "### \`cdk diff\` of \`$environment\`"
echo
if [ -n "$risky" ]; then
  echo ":warning: **Stateful resources deleted or replaced** (data may be lost; check removal policies):"
  echo
  echo '```'
  echo "$risky"
  echo '```'
else
  echo "No stateful resource (${stateful//|/, }) is deleted or replaced."
fi
echo
echo "<details><summary>Full diff</summary>"
echo
echo '```'
if [ "$(wc -c <"$diff_file")" -gt "$max" ]; then
  head -c "$max" "$diff_file"
  echo
  echo "... truncated: the full diff is in the workflow run's log"
else
  cat "$diff_file"
fi
echo '```'
echo "</details>"
echo
echo "Updated for ${HEAD_SHA:-the latest commit} by the diff workflow (read-only lookup role, template diff)."
