package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const githubIssuer = "token.actions.githubusercontent.com"

// accountOf returns the account stack holding env's account-wide resources.
func accountOf(t *testing.T, env config.Environment) *stacks.AccountStack {
	t.Helper()
	for _, a := range suite.accounts {
		if *a.Stack.Account() == env.Account {
			return a
		}
	}
	t.Fatalf("no account stage for %s (account %s)", env.Name, env.Account)
	return nil
}

// rolesByName decodes the stack's IAM roles keyed by RoleName.
func rolesByName(t *testing.T, stack *stacks.AccountStack) map[string]resource {
	t.Helper()
	out := map[string]resource{}
	for _, r := range resourcesOf(t, stack.Stack, "AWS::IAM::Role") {
		if name, ok := r.Properties["RoleName"].(string); ok {
			out[name] = r
		}
	}
	return out
}

// TestOneGitHubOidcProviderPerAccount: IAM allows one provider per issuer and account, so each
// account stage creates exactly one, for GitHub's issuer and the STS audience, as a plain
// CloudFormation resource (no custom resource, no Lambda).
func TestOneGitHubOidcProviderPerAccount(t *testing.T) {
	accounts := map[string]bool{}
	for _, p := range suite.platforms {
		accounts[p.Env.Account] = true
	}
	require.Len(t, suite.accounts, len(accounts), "one account stage per distinct account")
	for _, a := range suite.accounts {
		providers := resourcesOf(t, a.Stack, "AWS::IAM::OIDCProvider")
		require.Len(t, providers, 1, *a.Stack.Account())
		for _, p := range providers {
			assert.Equal(t, "https://"+githubIssuer, p.Properties["Url"])
			assert.Equal(t, []any{"sts.amazonaws.com"}, p.Properties["ClientIdList"])
		}
		assert.Empty(t, resourcesOf(t, a.Stack, "AWS::Lambda::Function"), "no Lambda-backed provider")
		assert.Empty(t, resourcesOf(t, a.Stack, "Custom::AWSCDKOpenIdConnectProvider"))
	}
}

// TestGitHubRolesTrustExactlyOneSubject: each environment's deploy role trusts only jobs of the
// configured repository that declare that GitHub environment, and its diff role only pull
// request jobs of that repository, both with StringEquals (never StringLike) on sub and aud.
func TestGitHubRolesTrustExactlyOneSubject(t *testing.T) {
	for _, p := range suite.platforms {
		env := p.Env
		roles := rolesByName(t, accountOf(t, env))
		repo := env.GitHub.Owner + "/" + env.GitHub.Repository
		for kind, subject := range map[string]string{
			config.GitHubDeployRole: "repo:" + repo + ":environment:" + env.Name,
			config.GitHubDiffRole:   diffSubjectOf(env, repo),
			// The weekly check runs in an environment only the default branch may deploy to.
			config.GitHubVersionCheckRole: "repo:" + repo + ":environment:version-check",
		} {
			name := fmt.Sprintf("%s-%s-github-%s", env.Prefix, env.Name, kind)
			t.Run(name, func(t *testing.T) {
				role, ok := roles[name]
				require.True(t, ok, "role %s missing", name)
				doc := role.Properties["AssumeRolePolicyDocument"].(map[string]any)
				statements := doc["Statement"].([]any)
				require.Len(t, statements, 1)
				st := statements[0].(map[string]any)
				assert.Equal(t, "Allow", st["Effect"])
				assert.Equal(t, "sts:AssumeRoleWithWebIdentity", st["Action"])
				federated := st["Principal"].(map[string]any)["Federated"]
				assert.Equal(t, map[string]any{"Ref": "GitHubOidcProvider"}, stripSuffix(federated))
				assert.Equal(t, map[string]any{
					"StringEquals": map[string]any{
						githubIssuer + ":aud": "sts.amazonaws.com",
						githubIssuer + ":sub": subject,
					},
				}, st["Condition"], "only StringEquals on exactly aud and sub")
				assert.NotContains(t, subject, "*")
			})
		}
	}
}

// TestGitHubRolesOnlyAssumeBootstrapRoles: the deploy role may assume only the four CDK
// bootstrap roles of its environment's account and region, the diff role only the lookup
// role, and nothing else: no managed policies, one inline statement, one action.
func TestGitHubRolesOnlyAssumeBootstrapRoles(t *testing.T) {
	for _, p := range suite.platforms {
		env := p.Env
		roles := rolesByName(t, accountOf(t, env))
		arn := func(role string) string {
			return fmt.Sprintf("arn:aws:iam::%s:role/cdk-hnb659fds-%s-role-%s-%s", env.Account, role, env.Account, env.Region)
		}
		for kind, want := range map[string][]string{
			config.GitHubDeployRole: {arn("deploy"), arn("file-publishing"), arn("image-publishing"), arn("lookup")},
			config.GitHubDiffRole:   {arn("lookup")},
		} {
			name := env.GitHubRoleName(kind)
			t.Run(name, func(t *testing.T) {
				role := roles[name]
				require.NotNil(t, role.Properties, "role %s missing", name)
				assert.Nil(t, role.Properties["ManagedPolicyArns"])
				policies := role.Properties["Policies"].([]any)
				require.Len(t, policies, 1)
				statements := policies[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
				require.Len(t, statements, 1)
				st := statements[0].(map[string]any)
				assert.Equal(t, "Allow", st["Effect"])
				assert.Equal(t, "sts:AssumeRole", st["Action"])
				assert.ElementsMatch(t, want, asStrings(st["Resource"]))
			})
		}
		// No other policy resource may attach permissions to these roles.
		for id, pol := range resourcesOf(t, accountOf(t, env).Stack, "AWS::IAM::Policy") {
			assert.NotContains(t, fmt.Sprint(pol.Properties["Roles"]), "GitHub", "policy %s attaches to a GitHub role", id)
		}
	}
}

// TestGitHubRoleOutputs: the workflows read the role ARNs from GitHub variables set from these
// outputs, one per role.
func TestGitHubRoleOutputs(t *testing.T) {
	for _, a := range suite.accounts {
		outputs := templateOf(a.Stack).FindOutputs(jsii.String("*"), nil)
		var names []string
		for id := range *outputs {
			names = append(names, id)
		}
		sort.Strings(names)
		var want []string
		for _, p := range suite.platforms {
			if p.Env.Account == *a.Stack.Account() {
				want = append(want, "GitHub"+capitalize(p.Env.Name)+"DeployRoleArn", "GitHub"+capitalize(p.Env.Name)+"DiffRoleArn",
					"GitHub"+capitalize(p.Env.Name)+"VersionCheckRoleArn")
			}
		}
		sort.Strings(want)
		assert.Subset(t, names, want)
	}
}

// stripSuffix turns {"Ref": "GitHubOidcProviderXXXX"} into {"Ref": "GitHubOidcProvider"}: CDK
// appends a hash to logical IDs, which is not what this test is about.
func stripSuffix(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if ref, ok := m["Ref"].(string); ok && len(ref) > 8 {
		return map[string]any{"Ref": ref[:len(ref)-8]}
	}
	return v
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// sampleDiff is real `cdk diff --no-color` output (CDK CLI 2.1148) of develop/DataLake against
// an edited old template: a retained bucket and a topic removed, a key and a bucket changed.
const sampleDiff = `Stack develop/DataLake (develop-DataLake)
Resources
[-] AWS::S3::Bucket OldArchiveBucket1234ABCD orphan
[-] AWS::SNS::Topic OldTopic1234 destroy
[~] AWS::KMS::Key DataLake/DataKey DataKey17AFBB84
 └─ [-] KeySpec
     └─ RSA_2048
[~] AWS::S3::Bucket DataLake/AccessLogsBucket AccessLogsBucket83982689 replace
 └─ [~] BucketName (requires replacement)
     ├─ [-] old-name
     └─ [+] dataplatform-develop-access-logs-111111111111-us-east-1
[~] AWS::S3::BucketPolicy DataLake/AccessLogsBucket/Policy AccessLogsBucketPolicy7F77476F replace
 └─ [~] Bucket (requires replacement)
`

// TestDiffCommentFlagsStatefulChanges runs the script diff.yml uses to build its PR comment:
// deleted and replaced stateful resources are called out, stateless ones and in-place updates
// are not, and the marker that lets the workflow update its own comment comes first.
func TestDiffCommentFlagsStatefulChanges(t *testing.T) {
	diff := filepath.Join(t.TempDir(), "diff.txt")
	require.NoError(t, os.WriteFile(diff, []byte(sampleDiff), 0o644))
	out, err := exec.Command("bash", "../.github/scripts/diff-comment.sh", "develop", diff).CombinedOutput()
	require.NoError(t, err, string(out))
	body := string(out)
	require.True(t, strings.HasPrefix(body, "<!-- cdk-diff:develop -->\n"), body)
	flagged, _, _ := strings.Cut(strings.SplitN(body, "```", 3)[1], "```")
	assert.Equal(t, "\n[-] AWS::S3::Bucket OldArchiveBucket1234ABCD orphan\n"+
		"[~] AWS::S3::Bucket DataLake/AccessLogsBucket AccessLogsBucket83982689 replace\n", flagged)
	assert.Contains(t, body, "<details><summary>Full diff</summary>")

	require.NoError(t, os.WriteFile(diff, []byte("Stack develop/Network\nThere were no differences\n"), 0o644))
	out, err = exec.Command("bash", "../.github/scripts/diff-comment.sh", "develop", diff).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "No stateful resource")
	assert.NotContains(t, string(out), ":warning:")
}

// diffSubjectOf is what the diff role must trust: a protected environment's diffs run only in
// its reviewed GitHub environment, where any branch's pull_request subject would let every PR
// read the account.
func diffSubjectOf(env config.Environment, repo string) string {
	if env.TerminationProtection {
		return "repo:" + repo + ":environment:" + env.Name + "-diff"
	}
	return "repo:" + repo + ":pull_request"
}

// TestVersionCheckRoleOnlyDescribes: the weekly check's role may call RDS's and DMS's describe
// actions for versions and orderable classes, and EC2's for the S3 prefix list and instance type
// offerings, and the Price List's GetProducts for the price table, on "*" (they have no resource
// type), and nothing else: no managed policy, no other statement, no write.
func TestVersionCheckRoleOnlyDescribes(t *testing.T) {
	for _, p := range suite.platforms {
		role := rolesByName(t, accountOf(t, p.Env))[p.Env.GitHubRoleName(config.GitHubVersionCheckRole)]
		require.NotNil(t, role.Properties, "%s has no version-check role", p.Env.Name)
		assert.Nil(t, role.Properties["ManagedPolicyArns"])
		policies := role.Properties["Policies"].([]any)
		require.Len(t, policies, 1)
		statements := documentStatements(policies[0].(map[string]any)["PolicyDocument"])
		require.Len(t, statements, 1)
		assert.Equal(t, "Allow", statements[0]["Effect"])
		assert.Equal(t, "*", statements[0]["Resource"])
		assert.ElementsMatch(t, []string{"rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions",
			"dms:DescribeEngineVersions", "dms:DescribeOrderableReplicationInstances", "ec2:DescribeManagedPrefixLists",
			"ec2:DescribeInstanceTypeOfferings", "pricing:GetProducts"}, asStrings(statements[0]["Action"]))
	}
}

// TestCheckVersionsScript runs versions.yml's script with stand-ins for the AWS CLI and curl:
// it passes when AWS offers everything, and fails naming each stale value when it does not.
func TestCheckVersionsScript(t *testing.T) {
	env := suite.platforms[1].Env
	assembly := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(assembly, "assembly-"+env.Name), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(assembly, "assembly-"+env.Name, "x.template.json"),
		[]byte(`{"Resources":{"F":{"Type":"AWS::Lambda::Function","Properties":{"Runtime": "nodejs24.x"}}}}`), 0o644))
	require.True(t, env.Databricks.Enabled, "the node type check needs an environment with Databricks")
	zones := env.Databricks.AvailabilityZones
	run := func(rdsVersion, mwaaPage, prefixList, nodeZones string) (string, error) {
		bin := t.TempDir()
		stub := func(name, body string) {
			require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte("#!/usr/bin/env bash\n"+body+"\n"), 0o755))
		}
		// aws: answer each describe call as AWS would when the value is offered.
		stub("aws", `case "$1 $2" in
  "rds describe-db-engine-versions") echo "`+rdsVersion+`" ;;
  "rds describe-orderable-db-instance-options") echo 3 ;;
  "dms describe-engine-versions") echo "`+env.Cdc.EngineVersion+`" ;;
  "dms describe-orderable-replication-instances") echo 1 ;;
  "ec2 describe-managed-prefix-lists") echo "`+prefixList+`" ;;
  "ec2 describe-instance-type-offerings")
    [[ "$*" == *"Name=instance-type,Values=`+env.Databricks.NodeType+` "* ]] || exit 1
    echo "`+nodeZones+`" ;;
esac`)
		stub("curl", `case "$*" in
  *airflow-versions*) echo "`+mwaaPage+`" ;;
  *lambda-runtimes*) echo "<td>nodejs24.x</td> Deprecated runtimes <td>nodejs16.x</td>" ;;
esac`)
		cmd := exec.Command("bash", ".github/scripts/check-versions.sh", env.Name, assembly)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// EC2 answers --output text with the zones tab-separated.
	out, err := run(env.Database.EngineVersion, "Apache Airflow v"+env.Airflow.Version, env.Network.S3PrefixListID, strings.Join(zones, "\t"))
	require.NoError(t, err, out)
	assert.Contains(t, out, "is still offered")

	out, err = run("None", "Apache Airflow v9.9.9", "pl-0123456789abcdef0", zones[0])
	require.Error(t, err, out)
	assert.Contains(t, out, "RDS no longer offers PostgreSQL "+env.Database.EngineVersion)
	assert.Contains(t, out, "no longer lists Airflow "+env.Airflow.Version)
	assert.Contains(t, out, "is pl-0123456789abcdef0, not "+env.Network.S3PrefixListID+" (config network.s3PrefixListId)")
	assert.Contains(t, out, "EC2 does not offer "+env.Databricks.NodeType+" in "+zones[1]+" (config databricks.nodeType, databricks.availabilityZones)")
	assert.NotContains(t, out, " in "+zones[0]+" (config databricks.nodeType")
	assert.Contains(t, out, "4 of config's versions or classes can no longer be used")
}

// TestSmokeRoleOnlyInvokesTheAirflowRestApiAsUser: deploy.yml's smoke step assumes
// <prefix>-<env>-github-smoke, trusted for the same subject as the deploy role, which may call
// airflow:InvokeRestApi as the environment's Airflow role User and nothing else; where the
// webserver is PRIVATE_ONLY, it may only invoke the environment's relay function (the Lambda
// relay makes the InvokeRestApi call inside the VPC, for platform_smoke only). IAM scopes the
// action to an Airflow role, arn:aws:airflow:<region>:<account>:role/<environment>/<role>
// ("Granting access to the Apache Airflow REST API", MWAA user guide; the Service
// Authorization Reference's rbac-role resource type), not to a DAG.
func TestSmokeRoleOnlyInvokesTheAirflowRestApiAsUser(t *testing.T) {
	for _, p := range withAirflow() {
		env := p.Env
		name := env.GitHubRoleName("smoke")
		role := rolesByName(t, accountOf(t, env))[name]
		require.NotNil(t, role.Properties, "%s has no smoke role %s", env.Name, name)
		st := documentStatements(role.Properties["AssumeRolePolicyDocument"])
		require.Len(t, st, 1)
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{
			githubIssuer + ":aud": "sts.amazonaws.com",
			githubIssuer + ":sub": "repo:" + env.GitHub.Owner + "/" + env.GitHub.Repository + ":environment:" + env.Name,
		}}, st[0]["Condition"], "the subject of the deploy job, which runs the smoke")
		assert.Equal(t, float64(7200), role.Properties["MaxSessionDuration"], "outlasts smoke.sh's default wait of an hour")
		assert.Nil(t, role.Properties["ManagedPolicyArns"])
		outputs := templateOf(accountOf(t, env).Stack).FindOutputs(jsii.String("GitHub"+capitalize(env.Name)+"SmokeRoleArn"), nil)
		assert.Len(t, *outputs, 1, "the ARN for the GitHub environment's variable AWS_SMOKE_ROLE_ARN")
		policies := role.Properties["Policies"].([]any)
		require.Len(t, policies, 1)
		statements := documentStatements(policies[0].(map[string]any)["PolicyDocument"])
		require.Len(t, statements, 1)
		assert.Equal(t, "Allow", statements[0]["Effect"])
		if env.Airflow.WebserverAccessMode == config.WebserverPrivateOnly {
			// InvokeRestApi from the runner is refused for a private webserver: the role may
			// only invoke the relay, which allows the platform_smoke calls alone.
			assert.Equal(t, "lambda:InvokeFunction", statements[0]["Action"], env.Name)
			assert.Equal(t, fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s-%s-airflow-relay", env.Region, env.Account, env.Prefix, env.Name),
				statements[0]["Resource"])
			continue
		}
		assert.Equal(t, "airflow:InvokeRestApi", statements[0]["Action"], env.Name)
		assert.Equal(t, fmt.Sprintf("arn:aws:airflow:%s:%s:role/%s-%s-airflow/User", env.Region, env.Account, env.Prefix, env.Name),
			statements[0]["Resource"])
	}
}

// fakeAWS stands in for the AWS CLI in TestSmokeScript. It appends each invocation's arguments
// to $FAKE_AWS_LOG as a JSON array, and answers `aws mwaa invoke-rest-api` and the relay's
// `aws lambda invoke` from the scripted answers in $FAKE_AWS_ANSWERS: for each "METHOD path"
// (the run ID in a path written {run}), a list consumed in order, its last answer repeated. An
// answer is the Airflow response's JSON, or {"error": "..."}: MWAA refused the call (the CLI's
// exit status 254, or the relay's unhandled error), or {"refused": "..."}: the relay refused
// the request (a function error, as airflow_relay.RelayRefused), or {"status": N, ...}: the
// relay answered Airflow's status N. The relay's answer goes to the invoke's outfile, and
// standard output gets what the CLI prints: StatusCode, and FunctionError on an error.
const fakeAWS = `#!/usr/bin/env python3
import json, os, re, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
opt = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
relay = args[:2] == ["lambda", "invoke"]
if relay:
    payload = json.loads(opt["--payload"])
    method, path, outfile = payload["method"], payload["path"], args[-1]
else:
    method, path = opt["--method"], opt["--path"]
key = method + " " + re.sub(r"^(/dags/[^/]+/dagRuns/)[^/]+", r"\1{run}", path)
answers = json.load(open(os.environ["FAKE_AWS_ANSWERS"]))
counts = os.environ["FAKE_AWS_LOG"] + ".counts"
n = json.load(open(counts)) if os.path.exists(counts) else {}
queue = answers.get(key)
if not queue:
    answer = {"error": "no scripted answer for " + key}
else:
    answer = queue[min(n.get(key, 0), len(queue) - 1)]
n[key] = n.get(key, 0) + 1
json.dump(n, open(counts, "w"))
if relay:
    if "error" in answer or "refused" in answer:
        kind = "RelayRefused" if "refused" in answer else "ClientError"
        json.dump({"errorMessage": answer.get("refused") or answer["error"], "errorType": kind}, open(outfile, "w"))
        print(json.dumps({"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST"}))
    elif "status" in answer:
        json.dump({"status": answer["status"], "response": answer.get("response")}, open(outfile, "w"))
        print(json.dumps({"StatusCode": 200, "ExecutedVersion": "$LATEST"}))
    else:
        json.dump({"status": 200, "response": answer}, open(outfile, "w"))
        print(json.dumps({"StatusCode": 200, "ExecutedVersion": "$LATEST"}))
    sys.exit(0)
if "error" in answer:
    print("An error occurred (RestApiServerException) when calling the InvokeRestApi operation: " + answer["error"], file=sys.stderr)
    sys.exit(254)
print(json.dumps({"RestApiStatusCode": 200, "RestApiResponse": answer}))
`

// smokeCall is one recorded invocation of the stand-in AWS CLI.
type smokeCall struct {
	method, path, body, query string
	args                      []string
	// relayed is a call through the relay (aws lambda invoke), not InvokeRestApi itself.
	relayed bool
}

// runSmoke runs smoke.sh for env against fakeAWS with answers, and returns its combined output,
// its error, and the AWS CLI calls it made in order.
func runSmoke(t *testing.T, env config.Environment, answers map[string][]any, extraEnv ...string) (string, error, []smokeCall) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "aws"), []byte(fakeAWS), 0o755))
	raw, err := json.Marshal(answers)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "answers.json"), raw, 0o644))
	logPath := filepath.Join(dir, "calls.jsonl")
	cmd := exec.Command("bash", ".github/scripts/smoke.sh", env.Name)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "FAKE_AWS_LOG="+logPath,
		"FAKE_AWS_ANSWERS="+filepath.Join(dir, "answers.json"), "SMOKE_POLL=0", "GITHUB_RUN_ID=")
	cmd.Env = append(cmd.Env, extraEnv...)
	out, runErr := cmd.CombinedOutput()
	var calls []smokeCall
	if log, err := os.ReadFile(logPath); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
			var args []string
			require.NoError(t, json.Unmarshal([]byte(line), &args))
			c := smokeCall{args: args}
			for i := 0; i+1 < len(args); i++ {
				switch args[i] {
				case "--method":
					c.method = args[i+1]
				case "--path":
					c.path = args[i+1]
				case "--body":
					c.body = args[i+1]
				case "--query-parameters":
					c.query = args[i+1]
				case "--payload":
					// The relay's event: the same method, path, body and query, as one object.
					var payload struct {
						Method, Path string
						Body, Query  json.RawMessage
					}
					require.NoError(t, json.Unmarshal([]byte(args[i+1]), &payload), args[i+1])
					c.method, c.path, c.body, c.query = payload.Method, payload.Path, string(payload.Body), string(payload.Query)
					c.relayed = true
				}
			}
			calls = append(calls, c)
		}
	}
	return string(out), runErr, calls
}

// triggerBodyFields are the fields of Airflow 3.2.1's TriggerDAGRunPostBody
// (airflow/api_fastapi/core_api/datamodels/dag_run.py), a strict model that refuses any other;
// logical_date is the one without a default: it must be present, and may be null.
var triggerBodyFields = []string{"dag_run_id", "data_interval_start", "data_interval_end", "logical_date",
	"run_after", "conf", "note", "partition_key"}

// TestSmokeScript runs the deploy workflow's trigger-and-wait step, .github/scripts/smoke.sh,
// against a stand-in for the AWS CLI: the DAG is unpaused before the run is triggered, the
// trigger body is Airflow 3's with logical_date and a short run ID, every path is within
// InvokeRestApi's 64 characters, polling stops at success (a failed read is tried again), a
// failed run exits non-zero naming the failed tasks and stages, and a run that never finishes
// times out naming what it waits on. An environment with a private webserver is called through
// its relay function (aws lambda invoke, the same paths and bodies as its event), unless the
// caller says it runs inside the VPC; the relay's refusals and errors fail the run clearly.
func TestSmokeScript(t *testing.T) {
	var public, private *config.Environment
	for _, p := range withAirflow() {
		e := p.Env
		if e.Airflow.WebserverAccessMode == config.WebserverPublicOnly && public == nil {
			public = &e
		}
		if e.Airflow.WebserverAccessMode == config.WebserverPrivateOnly && private == nil {
			private = &e
		}
	}
	require.NotNil(t, private, "no environment with a private webserver")
	// The direct InvokeRestApi calls: a public webserver's, or, where every environment with
	// MWAA is PRIVATE_ONLY (develop, the public one, has it off), a private one's from inside
	// its VPC (SMOKE_FROM_VPC=1), which makes the same calls.
	env, directEnv := *private, []string{"SMOKE_FROM_VPC=1"}
	if public != nil {
		env, directEnv = *public, nil
	}
	direct := func(t *testing.T, answers map[string][]any, extraEnv ...string) (string, error, []smokeCall) {
		t.Helper()
		return runSmoke(t, env, answers, append(slices.Clip(directEnv), extraEnv...)...)
	}
	run := func(state string) map[string]any { return map[string]any{"dag_run_id": "x", "state": state} }
	tis := func(states map[string]string) map[string]any {
		var list []any
		for task, state := range states {
			list = append(list, map[string]any{"task_id": task, "state": state})
		}
		return map[string]any{"task_instances": list, "total_entries": len(list)}
	}
	answers := func(runs []any, taskInstances any) map[string][]any {
		return map[string][]any{
			"PATCH /dags/platform_smoke":                           {map[string]any{"dag_id": "platform_smoke", "is_paused": false}},
			"POST /dags/platform_smoke/dagRuns":                    {run("queued")},
			"GET /dags/platform_smoke/dagRuns/{run}":               runs,
			"GET /dags/platform_smoke/dagRuns/{run}/taskInstances": {taskInstances},
		}
	}
	// Every call names the environment's MWAA environment (or, through the relay, its relay
	// function) and region, within 64 characters.
	checkCallsOf := func(t *testing.T, env config.Environment, relayed bool, calls []smokeCall) string {
		t.Helper()
		require.GreaterOrEqual(t, len(calls), 3, "unpause, trigger and at least one read")
		for _, c := range calls {
			line := strings.Join(c.args, " ")
			if relayed {
				assert.Equal(t, []string{"lambda", "invoke"}, c.args[:2])
				assert.True(t, c.relayed)
				assert.Contains(t, line, "--function-name "+env.Prefix+"-"+env.Name+"-airflow-relay ")
				assert.Contains(t, line, "--cli-binary-format raw-in-base64-out ", "the payload is raw JSON, not base64")
			} else {
				assert.Equal(t, []string{"mwaa", "invoke-rest-api"}, c.args[:2])
				assert.Contains(t, line, "--name "+env.AirflowEnvironmentName()+" ")
			}
			assert.Contains(t, line, "--region "+env.Region+" ")
			assert.LessOrEqual(t, len(c.path), 64, "InvokeRestApi's Path is at most 64 characters: %s", c.path)
		}
		assert.Equal(t, "PATCH", calls[0].method, "unpause first: a paused DAG's run stays queued")
		assert.Equal(t, "/dags/platform_smoke", calls[0].path)
		assert.JSONEq(t, `{"is_paused": false}`, calls[0].body)
		assert.Equal(t, "POST", calls[1].method)
		assert.Equal(t, "/dags/platform_smoke/dagRuns", calls[1].path)
		var body map[string]any
		require.NoError(t, json.Unmarshal([]byte(calls[1].body), &body))
		require.Contains(t, body, "logical_date", "Airflow 3 requires logical_date")
		assert.Nil(t, body["logical_date"])
		for field := range body {
			assert.Contains(t, triggerBodyFields, field, "TriggerDAGRunPostBody refuses other fields")
		}
		id, _ := body["dag_run_id"].(string)
		assert.Regexp(t, `^smk-[0-9]{10}-[0-9a-f]{4}$`, id)
		for _, c := range calls[2:] {
			assert.Equal(t, "GET", c.method)
			assert.True(t, strings.HasPrefix(c.path, "/dags/platform_smoke/dagRuns/"+id), c.path)
		}
		// The longest path the script calls, with the longest run ID it makes.
		assert.LessOrEqual(t, len("/dags/platform_smoke/dagRuns/"+id+"/taskInstances"), 64)
		return id
	}
	checkCalls := func(t *testing.T, calls []smokeCall) string {
		t.Helper()
		return checkCallsOf(t, env, false, calls)
	}
	reads := func(calls []smokeCall, suffix string) int {
		n := 0
		for _, c := range calls {
			if c.method == "GET" && strings.HasSuffix(c.path, suffix) {
				n++
			}
		}
		return n
	}

	t.Run("success", func(t *testing.T) {
		out, err, calls := direct(t, answers(
			[]any{run("queued"), map[string]any{"error": "the request timed out after 10 seconds"}, run("running"), run("success"), run("failed")},
			tis(nil)))
		require.NoError(t, err, out)
		id := checkCalls(t, calls)
		assert.Equal(t, 4, reads(calls, id), "polling stops at success, after one failed read")
		assert.Zero(t, reads(calls, "/taskInstances"))
		assert.Contains(t, out, "platform_smoke run "+id+" succeeded")
	})

	t.Run("failed", func(t *testing.T) {
		out, err, calls := direct(t, answers(
			[]any{run("running"), run("failed")},
			tis(map[string]string{"preflight": "success", "arrive_stream_silver": "failed", "readers": "failed",
				"summary": "upstream_failed", "arrive_api_bronze": "success"})))
		require.Error(t, err, out)
		id := checkCalls(t, calls)
		assert.Equal(t, 1, reads(calls, "/taskInstances"))
		assert.Regexp(t, `::error::`+env.Name+`: platform_smoke run `+id+` failed: .*stage stream_silver \(task arrive_stream_silver, failed\)`, out)
		assert.Contains(t, out, "task readers (failed)")
		for _, passed := range []string{"preflight", "api_bronze", "summary"} {
			assert.NotContains(t, out, passed)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		out, err, calls := direct(t, answers(
			[]any{run("queued"), run("running")},
			tis(map[string]string{"preflight": "success", "arrive_database_serving": "running", "arrive_stream_bronze": "success"})),
			"SMOKE_TIMEOUT=2", "SMOKE_POLL=1")
		require.Error(t, err, out)
		checkCalls(t, calls)
		assert.Less(t, time.Since(start), 30*time.Second)
		assert.Contains(t, out, "did not finish within 2 s (still running), waiting on: stage database_serving (task arrive_database_serving, running)")
		assert.NotContains(t, out, "stream_bronze")
	})

	t.Run("unreadable", func(t *testing.T) {
		out, err, calls := direct(t, answers([]any{map[string]any{"error": "throttled"}}, tis(nil)))
		require.Error(t, err, out)
		checkCalls(t, calls)
		assert.Contains(t, out, "5 reads in a row of platform_smoke run")
	})

	t.Run("trigger refused", func(t *testing.T) {
		a := answers([]any{run("success")}, tis(nil))
		a["POST /dags/platform_smoke/dagRuns"] = []any{map[string]any{"error": "409 conflict"}}
		out, err, calls := direct(t, a)
		require.Error(t, err, out)
		assert.Len(t, calls, 2, "nothing is polled when the trigger fails")
		assert.Contains(t, out, "could not trigger platform_smoke")
	})

	// A PRIVATE_ONLY webserver: every call goes through the relay, with the same paths and
	// bodies; SMOKE_FROM_VPC=1 (a caller inside the VPC) calls InvokeRestApi itself.
	t.Run("private webserver through the relay", func(t *testing.T) {
		out, err, calls := runSmoke(t, *private, answers(
			[]any{run("running"), map[string]any{"error": "the request timed out after 10 seconds"}, run("success")},
			tis(nil)))
		require.NoError(t, err, out)
		id := checkCallsOf(t, *private, true, calls)
		assert.Equal(t, 3, reads(calls, id), "polling stops at success, after one failed read")
		assert.Contains(t, out, "PRIVATE_ONLY; calling it through the relay "+private.Prefix+"-"+private.Name+"-airflow-relay")
		assert.Contains(t, out, "platform_smoke run "+id+" succeeded")
		assert.Empty(t, calls[2].body)
		assert.Empty(t, calls[2].query)
	})

	t.Run("private webserver, failed run through the relay", func(t *testing.T) {
		out, err, calls := runSmoke(t, *private, answers(
			[]any{run("failed")},
			tis(map[string]string{"arrive_database_bronze": "failed", "preflight": "success"})))
		require.Error(t, err, out)
		checkCallsOf(t, *private, true, calls)
		last := calls[len(calls)-1]
		assert.True(t, strings.HasSuffix(last.path, "/taskInstances"), last.path)
		assert.JSONEq(t, `{"limit": 100, "offset": 0}`, last.query, "the query travels in the relay's event")
		assert.Contains(t, out, "stage database_bronze (task arrive_database_bronze, failed)")
	})

	t.Run("relay refuses the trigger", func(t *testing.T) {
		a := answers([]any{run("success")}, tis(nil))
		a["POST /dags/platform_smoke/dagRuns"] = []any{map[string]any{"refused": "POST '/dags/platform_smoke/dagRuns' refused; the relay allows only GET /dags/platform_smoke ..."}}
		out, err, calls := runSmoke(t, *private, a)
		require.Error(t, err, out)
		assert.Len(t, calls, 2, "nothing is polled when the trigger fails")
		assert.Contains(t, out, "relay "+private.Prefix+"-"+private.Name+"-airflow-relay refused or failed POST /dags/platform_smoke/dagRuns: POST '/dags/platform_smoke/dagRuns' refused; the relay allows only")
		assert.Contains(t, out, "::error::"+private.Name+": could not trigger platform_smoke")
	})

	t.Run("relay function error on unpause", func(t *testing.T) {
		a := answers([]any{run("success")}, tis(nil))
		a["PATCH /dags/platform_smoke"] = []any{map[string]any{"error": "An error occurred (AccessDeniedException) when calling the InvokeRestApi operation"}}
		out, err, calls := runSmoke(t, *private, a)
		require.Error(t, err, out)
		assert.Len(t, calls, 1)
		assert.Contains(t, out, "AccessDeniedException")
		assert.Contains(t, out, "::error::"+private.Name+": could not unpause platform_smoke")
	})

	t.Run("relay answers an Airflow error status", func(t *testing.T) {
		a := answers([]any{run("success")}, tis(nil))
		a["POST /dags/platform_smoke/dagRuns"] = []any{map[string]any{"status": 409, "response": map[string]any{"detail": "already exists"}}}
		out, err, calls := runSmoke(t, *private, a)
		require.Error(t, err, out)
		assert.Len(t, calls, 2)
		assert.Contains(t, out, `answered status 409: {"detail":"already exists"}`)
	})

	t.Run("relay reads failing", func(t *testing.T) {
		out, err, calls := runSmoke(t, *private, answers([]any{map[string]any{"refused": "GET refused"}}, tis(nil)))
		require.Error(t, err, out)
		checkCallsOf(t, *private, true, calls)
		assert.Contains(t, out, "5 reads in a row of platform_smoke run")
	})

	t.Run("private webserver from inside the VPC", func(t *testing.T) {
		out, err, calls := runSmoke(t, *private, answers([]any{run("success")}, tis(nil)), "SMOKE_FROM_VPC=1")
		require.NoError(t, err, out)
		checkCallsOf(t, *private, false, calls)
		assert.NotContains(t, out, "through the relay")
	})

	// An environment with MWAA off: a clear message, a failure, and no AWS call.
	for _, p := range suite.platforms {
		if p.Airflow != nil {
			continue
		}
		t.Run(p.Env.Name+" has MWAA off", func(t *testing.T) {
			out, err, calls := runSmoke(t, p.Env, answers([]any{run("success")}, tis(nil)))
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, out)
			assert.Contains(t, out, p.Env.Name+" has MWAA off (airflow.disabled in config/"+p.Env.Name+".go)")
			assert.Empty(t, calls, "no AWS call")
		})
	}

	t.Run("usage", func(t *testing.T) {
		cmd := exec.Command("bash", ".github/scripts/smoke.sh")
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 2, exit.ExitCode())
		assert.Contains(t, string(out), "usage:")
	})
}
