package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Network reachability over the synthesized templates: the kind of miss behind MWAA's
// Secrets Manager backend timing out (issue 26, item 1). Neither cfn-lint, cdk-nag, moto nor
// the rehearsal evaluates security groups, so this test does.
//
// A VPC-attached caller is a resource that puts network interfaces with security groups into
// a VPC: an MWAA environment (NetworkConfiguration.SecurityGroupIds), a DMS replication
// instance (VpcSecurityGroupIds), a Lambda function (VpcConfig.SecurityGroupIds), a SAR
// application given vpcSecurityGroupIds (CDK's hosted secret rotation), and the Databricks
// workspace group, which Databricks attaches to every cluster node it launches.
//
// What a caller calls is derived, not listed: the service prefix of every action its role's
// policies allow (secretsmanager:GetSecretValue -> secretsmanager), plus, for MWAA, the
// secrets backend named by its `secrets.backend` configuration option. Where no role is in
// the templates (a SAR application, AWS managed policies, Databricks' runtime) a small table
// below says what the vendor documents, with the page.
//
// Private DNS makes an interface endpoint the only way to its service for the whole VPC.
// EC2's CreateVpcEndpoint reference, PrivateDnsEnabled
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html):
// "The private hosted zone contains a record set for the default public DNS name for the
// service for the Region (for example, kinesis.us-east-1.amazonaws.com), which resolves to the
// private IP addresses of the endpoint network interfaces in the VPC." The PrivateLink guide
// says the same, and that the endpoint's security groups must admit the resources that call
// the service through it
// (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html).
// So where an endpoint of type Interface with PrivateDnsEnabled true serves a service
// (ServiceName com.amazonaws.<region>.<service>) in a caller's VPC, and the caller calls that
// service, the endpoint's group must admit the caller's group on TCP 443 (a rule with
// SourceSecurityGroupId, inline or an AWS::EC2::SecurityGroupIngress anywhere in the stage),
// and the caller's group, where it restricts egress, must allow TCP 443 to it.
//
// MWAA's Secrets Manager backend is such a call, made by the workers and by the triggerer in
// the scheduler container: "Configuring an Apache Airflow connection using a Secrets Manager
// secret" (https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html)
// sets `secrets.backend` to
// airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend, which reads each
// connection with Secrets Manager's GetSecretValue.
//
// Every database client, a caller that connects to an RDS instance (a DMS source endpoint
// reading the instance's attached secret, a rotation schedule's function rotating it), must
// reach the instance's port: ingress on the instance's group from the caller's, and egress.

// netNode is one resource of a stage: its CloudFormation stack name and logical ID.
type netNode struct{ stack, id string }

func (n netNode) String() string { return n.stack + "/" + n.id }

// netTemplate is one synthesized template, as much as this test reads.
type netTemplate struct {
	Resources map[string]resource
	Outputs   map[string]struct{ Value any }
	Mappings  map[string]map[string]map[string]any
}

// netRule is one security group rule, wherever it is declared.
type netRule struct {
	group    netNode
	egress   bool
	protocol string
	from, to int
	peer     netNode // a peer security group, or zero
	cidr     string
}

// covers is whether the rule matches TCP to port.
func (r netRule) covers(port int) bool {
	switch r.protocol {
	case "-1":
		return true
	case "tcp", "6":
		return r.from <= port && port <= r.to
	}
	return false
}

// netStage is one environment's templates (and its account stage's, for DMS's roles).
type netStage struct {
	t         *testing.T
	region    string
	templates map[string]netTemplate
	// stacks are the stage's stacks by name, for locate.
	stacks map[string]awscdk.Stack
	rules  []netRule
}

func loadStage(t *testing.T, region string, stacksOfStage []awscdk.Stack) *netStage {
	t.Helper()
	s := &netStage{t: t, region: region, templates: map[string]netTemplate{}, stacks: map[string]awscdk.Stack{}}
	for _, stack := range stacksOfStage {
		raw, err := os.ReadFile(templatePath(stack))
		require.NoError(t, err)
		var tpl netTemplate
		require.NoError(t, json.Unmarshal(raw, &tpl))
		s.templates[*stack.StackName()] = tpl
		s.stacks[*stack.StackName()] = stack
	}
	s.rules = s.collectRules()
	return s
}

// resource is the resource a node names; it fails the test when there is none.
func (s *netStage) resource(n netNode) resource {
	s.t.Helper()
	r, ok := s.templates[n.stack].Resources[n.id]
	require.True(s.t, ok, "no resource %s", n)
	return r
}

// resolve follows a Ref, a Fn::GetAtt or another stack's Fn::GetStackOutput to the resource
// it names (locate); ok is false for literals and anything outside the stage.
func (s *netStage) resolve(stack string, v any) (netNode, bool) {
	l, ok := locate(s.t, s.stacks[stack], v)
	if !ok {
		return netNode{}, false
	}
	n := netNode{*l.stack.StackName(), l.id}
	_, inStage := s.templates[n.stack]
	return n, inStage
}

// resolveAll resolves each item of a list (or a single value) that names a resource.
func (s *netStage) resolveAll(stack string, v any) []netNode {
	if v == nil {
		return nil
	}
	var out []netNode
	for _, item := range list(v) {
		if n, ok := s.resolve(stack, item); ok {
			out = append(out, n)
		}
	}
	return out
}

// resourcesOfType lists every resource of one type in the stage.
func (s *netStage) resourcesOfType(cfnType string) map[netNode]resource {
	out := map[netNode]resource{}
	for name, tpl := range s.templates {
		for id, r := range tpl.Resources {
			if r.Type == cfnType {
				out[netNode{name, id}] = r
			}
		}
	}
	return out
}

// sortedNodes lists a map's nodes in a stable order, for stable logs.
func sortedNodes[V any](m map[netNode]V) []netNode {
	keys := make([]netNode, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

// port reads a rule's or an instance's port: a number, a numeric string, or an RDS
// instance's Endpoint.Port attribute (its Port property).
func (s *netStage) port(stack string, v any) (int, bool) {
	switch p := v.(type) {
	case float64:
		return int(p), true
	case string:
		n, err := strconv.Atoi(p)
		return n, err == nil
	case map[string]any:
		if att, ok := p["Fn::GetAtt"].([]any); ok && len(att) == 2 && att[1] == "Endpoint.Port" {
			return s.port(stack, s.resource(netNode{stack, fmt.Sprint(att[0])}).Properties["Port"])
		}
	}
	return 0, false
}

// collectRules reads every inline and standalone ingress and egress rule of the stage.
func (s *netStage) collectRules() []netRule {
	var rules []netRule
	add := func(stack string, group netNode, egress bool, r map[string]any) {
		rule := netRule{group: group, egress: egress, protocol: fmt.Sprint(r["IpProtocol"])}
		rule.cidr, _ = r["CidrIp"].(string)
		peerKey := "SourceSecurityGroupId"
		if egress {
			peerKey = "DestinationSecurityGroupId"
		}
		rule.peer, _ = s.resolve(stack, r[peerKey])
		if rule.protocol != "-1" {
			from, okFrom := s.port(stack, r["FromPort"])
			to, okTo := s.port(stack, r["ToPort"])
			require.True(s.t, okFrom && okTo, "%s: unreadable ports %v-%v", group, r["FromPort"], r["ToPort"])
			rule.from, rule.to = from, to
		}
		rules = append(rules, rule)
	}
	for name, tpl := range s.templates {
		for id, r := range tpl.Resources {
			switch r.Type {
			case "AWS::EC2::SecurityGroup":
				for _, key := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
					inline, _ := r.Properties[key].([]any)
					for _, rule := range inline {
						add(name, netNode{name, id}, key == "SecurityGroupEgress", rule.(map[string]any))
					}
				}
			case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
				group, ok := s.resolve(name, r.Properties["GroupId"])
				require.True(s.t, ok, "%s/%s: GroupId %s is not a group of the stage", name, id, jsonText(r.Properties["GroupId"]))
				add(name, group, r.Type == "AWS::EC2::SecurityGroupEgress", r.Properties)
			}
		}
	}
	return rules
}

// admits is whether one of groups admits TCP port from one of sources.
func (s *netStage) admits(groups, sources []netNode, port int) bool {
	for _, r := range s.rules {
		if !r.egress && slices.Contains(groups, r.group) && slices.Contains(sources, r.peer) && r.covers(port) {
			return true
		}
	}
	return false
}

// allowsAllOutbound is whether a group keeps all egress: CDK's allowAllOutbound rule, or no
// egress rule at all (EC2 then adds its default allow-all, and removes it once any egress rule
// is added, inline or standalone).
func (s *netStage) allowsAllOutbound(group netNode) bool {
	hasEgress := false
	for _, r := range s.rules {
		if r.group == group && r.egress {
			hasEgress = true
			if r.protocol == "-1" && r.cidr == "0.0.0.0/0" {
				return true
			}
		}
	}
	return !hasEgress
}

// egressAllows is whether one of groups may send TCP port to one of targets.
func (s *netStage) egressAllows(groups, targets []netNode, port int) bool {
	for _, g := range groups {
		if s.allowsAllOutbound(g) {
			return true
		}
	}
	for _, r := range s.rules {
		if r.egress && slices.Contains(groups, r.group) && (slices.Contains(targets, r.peer) || r.cidr == "0.0.0.0/0") && r.covers(port) {
			return true
		}
	}
	return false
}

// vpcOf is the VPC of security groups; all of one caller's must share it.
func (s *netStage) vpcOf(groups []netNode) netNode {
	s.t.Helper()
	var vpc netNode
	for i, g := range groups {
		r := s.resource(g)
		require.Equal(s.t, "AWS::EC2::SecurityGroup", r.Type, "%s is not a security group", g)
		v, ok := s.resolve(g.stack, r.Properties["VpcId"])
		require.True(s.t, ok, "%s: VpcId %s is not a VPC of the stage", g, jsonText(r.Properties["VpcId"]))
		require.True(s.t, i == 0 || v == vpc, "%s is in %s, not %s", g, v, vpc)
		vpc = v
	}
	return vpc
}

// managedPolicyServices are the services the AWS managed policies on callers' roles allow,
// from the AWS Managed Policy Reference (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html):
// AmazonDMSVPCManagementRole allows ec2 (network interfaces, subnets, VPCs);
// AmazonDMSCloudWatchLogsRole allows logs (the task's log groups and streams);
// AWSLambdaBasicExecutionRole allows logs; AWSLambdaVPCAccessExecutionRole ec2 and logs.
// A managed policy not listed here fails the test: add it, with what its page lists.
var managedPolicyServices = map[string][]string{
	"AmazonDMSVPCManagementRole":      {"ec2"},
	"AmazonDMSCloudWatchLogsRole":     {"logs"},
	"AWSLambdaBasicExecutionRole":     {"logs"},
	"AWSLambdaVPCAccessExecutionRole": {"ec2", "logs"},
}

// awsManagedPolicyName reads an AWS managed policy's name from its ARN.
var awsManagedPolicyName = regexp.MustCompile(`:iam::aws:policy/(?:[a-z-]+/)*([A-Za-z0-9+=,.@_-]+)`)

// sarApplicationServices are what a SAR application's function calls, where CDK deploys one
// into the VPC: Secrets Manager's rotation templates
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html)
// call Secrets Manager (DescribeSecret, GetSecretValue, PutSecretValue,
// UpdateSecretVersionStage, GetRandomPassword: "Permissions for rotation Lambda functions",
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html)
// and the database; KMS is called by Secrets Manager on their behalf. Matched by the
// application's name.
var sarApplicationServices = map[*regexp.Regexp][]string{
	regexp.MustCompile(`^SecretsManager[A-Za-z]+Rotation[A-Za-z]+$`): {"secretsmanager"},
}

// secretsBackendServices are what an Airflow secrets backend class calls (MWAA User Guide,
// "Configuring an Apache Airflow connection using a Secrets Manager secret", and the Amazon
// provider's secrets backends).
var secretsBackendServices = map[string]string{
	"airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend":               "secretsmanager",
	"airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend": "ssm",
}

// databricksRuntimeServices are what Databricks clusters call besides their instance profile's
// grants: Databricks' customer-managed VPC guide
// (https://docs.databricks.com/aws/en/security/network/classic/customer-managed-vpc) requires
// egress on 443 for S3, STS and Kinesis and recommends regional endpoints for them
// (stacks/databricks.go, workspaceEgress).
var databricksRuntimeServices = []string{"sts", "kinesis"}

// endpointServices maps an IAM service prefix to the PrivateLink service names that serve it,
// where they differ ("AWS services that integrate with AWS PrivateLink",
// https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html):
// Kinesis Data Streams is com.amazonaws.<region>.kinesis-streams, CloudWatch metrics
// com.amazonaws.<region>.monitoring, MWAA's airflow actions com.amazonaws.<region>.airflow.api
// (environments), .airflow.env (InvokeRestApi, CLI and web login tokens) and .airflow.ops
// (PublishMetrics) ("AWS PrivateLink for Amazon MWAA" and the MWAA API reference's
// "Endpoints"). So the Airflow REST API relay (airflow:InvokeRestApi) must reach the
// airflow.env endpoint, and so must MWAA itself (airflow:PublishMetrics): an action prefix
// counts for every endpoint of its service, which can only add checks.
var endpointServices = map[string][]string{
	"kinesis":    {"kinesis-streams"},
	"cloudwatch": {"monitoring"},
	"airflow":    {"airflow.api", "airflow.env", "airflow.ops"},
}

// netCaller is one VPC-attached caller.
type netCaller struct {
	kind, name string
	groups     []netNode
	// services maps each service prefix the caller calls to where the test read it.
	services  map[string]string
	databases []netNode
}

func (c *netCaller) calls(service, source string) {
	if c.services == nil {
		c.services = map[string]string{}
	}
	if _, seen := c.services[service]; !seen {
		c.services[service] = source
	}
}

// callsService is whether the caller calls the service an endpoint serves.
func (c *netCaller) callsService(endpointService string) bool {
	for prefix := range c.services {
		names, mapped := endpointServices[prefix]
		if !mapped {
			names = []string{prefix}
		}
		if prefix == "*" || slices.Contains(names, endpointService) {
			return true
		}
	}
	return false
}

// roleServices adds the service prefixes of every action a role may take: its inline
// policies, the stage's AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources attached to
// it, and its managed policies (the stage's own, or AWS managed from the table above).
func (s *netStage) roleServices(c *netCaller, role netNode) {
	s.t.Helper()
	r := s.resource(role)
	require.Equal(s.t, "AWS::IAM::Role", r.Type, "%s is not a role", role)
	var documents []any
	inline, _ := r.Properties["Policies"].([]any)
	for _, p := range inline {
		documents = append(documents, p.(map[string]any)["PolicyDocument"])
	}
	for _, cfnType := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for n, p := range s.resourcesOfType(cfnType) {
			if slices.Contains(s.resolveAll(n.stack, p.Properties["Roles"]), role) {
				documents = append(documents, p.Properties["PolicyDocument"])
			}
		}
	}
	for _, arn := range list(r.Properties["ManagedPolicyArns"]) {
		if arn == nil {
			continue
		}
		if own, ok := s.resolve(role.stack, arn); ok {
			documents = append(documents, s.resource(own).Properties["PolicyDocument"])
			continue
		}
		m := awsManagedPolicyName.FindStringSubmatch(renderLiterals(arn))
		require.NotNil(s.t, m, "%s: managed policy %s is neither the stage's nor AWS managed", role, jsonText(arn))
		services, known := managedPolicyServices[m[1]]
		require.True(s.t, known, "%s: AWS managed policy %s is not in managedPolicyServices: add the services its reference page lists", role, m[1])
		for _, service := range services {
			c.calls(service, "managed policy "+m[1]+" of "+role.String())
		}
	}
	for _, document := range documents {
		for _, st := range documentStatements(document) {
			if st["Effect"] != "Allow" {
				continue
			}
			for _, action := range list(st["Action"]) {
				prefix, _, _ := strings.Cut(fmt.Sprint(action), ":")
				c.calls(strings.ToLower(prefix), "policy of "+role.String()+": "+fmt.Sprint(action))
			}
		}
	}
}

// renderLiterals renders a Fn::Join of literals and pseudo parameters as one string.
func renderLiterals(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprint(v)
	}
	join, ok := m["Fn::Join"].([]any)
	if !ok {
		return jsonText(v)
	}
	var parts []string
	for _, p := range list(join[1]) {
		parts = append(parts, renderLiterals(p))
	}
	return strings.Join(parts, fmt.Sprint(join[0]))
}

// callers finds every VPC-attached caller of the stage.
func (s *netStage) callers(p *stacks.Platform, dmsAccountRoles []netNode) []*netCaller {
	s.t.Helper()
	var out []*netCaller
	for _, n := range sortedNodes(s.resourcesOfType("AWS::MWAA::Environment")) {
		env := s.resource(n)
		network, _ := env.Properties["NetworkConfiguration"].(map[string]any)
		c := &netCaller{kind: callerMWAA, name: n.String(), groups: s.resolveAll(n.stack, network["SecurityGroupIds"])}
		role, ok := s.resolve(n.stack, env.Properties["ExecutionRoleArn"])
		require.True(s.t, ok, "%s: execution role %s", n, jsonText(env.Properties["ExecutionRoleArn"]))
		s.roleServices(c, role)
		options, _ := env.Properties["AirflowConfigurationOptions"].(map[string]any)
		if backend, set := options["secrets.backend"]; set {
			service, known := secretsBackendServices[fmt.Sprint(backend)]
			require.True(s.t, known, "%s: secrets.backend %v is not in secretsBackendServices", n, backend)
			c.calls(service, "secrets.backend "+fmt.Sprint(backend))
		}
		// platform_smoke connects to the database as the canary role whose secret it names.
		if name, set := options["platform.smoke_secret"]; set {
			for secret, r := range s.resourcesOfType("AWS::SecretsManager::Secret") {
				if r.Properties["Name"] == name {
					c.databases = append(c.databases, s.databasesOfSecret(secret.stack, ref(secret.id))...)
				}
			}
			require.NotEmpty(s.t, c.databases, "%s: platform.smoke_secret %v names no secret attached to a database", n, name)
		}
		out = append(out, c)
	}
	for _, n := range sortedNodes(s.resourcesOfType("AWS::DMS::ReplicationInstance")) {
		out = append(out, s.dmsCaller(n, dmsAccountRoles))
	}
	for _, n := range sortedNodes(s.resourcesOfType("AWS::Lambda::Function")) {
		fn := s.resource(n)
		vpc, ok := fn.Properties["VpcConfig"].(map[string]any)
		if !ok {
			continue
		}
		c := &netCaller{kind: callerLambda, name: n.String(), groups: s.resolveAll(n.stack, vpc["SecurityGroupIds"]), databases: s.rotatedDatabases(n)}
		role, ok := s.resolve(n.stack, fn.Properties["Role"])
		require.True(s.t, ok, "%s: role %s", n, jsonText(fn.Properties["Role"]))
		s.roleServices(c, role)
		out = append(out, c)
	}
	for _, n := range sortedNodes(s.resourcesOfType("AWS::Serverless::Application")) {
		app := s.resource(n)
		params, _ := app.Properties["Parameters"].(map[string]any)
		groups, ok := params["vpcSecurityGroupIds"]
		if !ok {
			continue
		}
		c := &netCaller{kind: callerRotation, name: n.String(), groups: s.resolveAll(n.stack, commaList(groups)), databases: s.rotatedDatabases(n)}
		name := s.sarApplicationName(n, app)
		for pattern, services := range sarApplicationServices {
			if pattern.MatchString(name) {
				for _, service := range services {
					c.calls(service, "SAR application "+name)
				}
			}
		}
		require.NotEmpty(s.t, c.services, "%s: SAR application %s is not in sarApplicationServices", n, name)
		out = append(out, c)
	}
	if p.Databricks != nil {
		stack := *p.Databricks.Stack.StackName()
		c := &netCaller{kind: callerDatabricks, name: stack + "/" + logicalID(s.t, p.Databricks.SecurityGroup),
			groups: []netNode{{stack, logicalID(s.t, p.Databricks.SecurityGroup)}}}
		profile := s.resource(netNode{stack, logicalID(s.t, p.Databricks.InstanceProfile)})
		for _, role := range s.resolveAll(stack, profile.Properties["Roles"]) {
			s.roleServices(c, role)
		}
		for _, service := range databricksRuntimeServices {
			c.calls(service, "Databricks runtime (customer-managed VPC guide)")
		}
		out = append(out, c)
	}
	for _, c := range out {
		require.NotEmpty(s.t, c.groups, "%s %s has no security group of the stage", c.kind, c.name)
	}
	return out
}

// Caller kinds the test requires to find.
const (
	callerMWAA       = "MWAA environment"
	callerDMS        = "DMS replication instance"
	callerRotation   = "secret rotation Lambda (SAR)"
	callerDatabricks = "Databricks workspace group"
	callerLambda     = "Lambda"
)

// dmsCaller is a replication instance: its calls are those of the roles its tasks' endpoints
// pass to DMS (secret access, S3 target), plus the account-wide service roles DMS finds by
// name. Whether DMS makes the latter's calls from the instance's network interfaces is not
// documented; they count as the instance's, which can only add checks.
func (s *netStage) dmsCaller(instance netNode, accountRoles []netNode) *netCaller {
	s.t.Helper()
	r := s.resource(instance)
	c := &netCaller{kind: callerDMS, name: instance.String(), groups: s.resolveAll(instance.stack, r.Properties["VpcSecurityGroupIds"])}
	for _, role := range accountRoles {
		s.roleServices(c, role)
	}
	for n, task := range s.resourcesOfType("AWS::DMS::ReplicationTask") {
		if on, _ := s.resolve(n.stack, task.Properties["ReplicationInstanceArn"]); on != instance {
			continue
		}
		for _, key := range []string{"SourceEndpointArn", "TargetEndpointArn"} {
			e, ok := s.resolve(n.stack, task.Properties[key])
			require.True(s.t, ok, "%s: %s", n, key)
			for setting, value := range s.resource(e).Properties {
				settings, ok := value.(map[string]any)
				if !ok || !strings.HasSuffix(setting, "Settings") {
					continue
				}
				for field, v := range settings {
					if strings.HasSuffix(field, "RoleArn") {
						role, ok := s.resolve(e.stack, v)
						require.True(s.t, ok, "%s: %s.%s", e, setting, field)
						s.roleServices(c, role)
					}
					if field == "SecretsManagerSecretId" && key == "SourceEndpointArn" {
						c.databases = append(c.databases, s.databasesOfSecret(e.stack, v)...)
					}
				}
			}
		}
	}
	return c
}

// databasesOfSecret follows a secret (or its attachment) to the RDS instances it is attached to.
func (s *netStage) databasesOfSecret(stack string, v any) []netNode {
	secret, ok := s.resolve(stack, v)
	if !ok {
		return nil
	}
	var out []netNode
	for n, attachment := range s.resourcesOfType("AWS::SecretsManager::SecretTargetAttachment") {
		attached, _ := s.resolve(n.stack, attachment.Properties["SecretId"])
		if n == secret || attached == secret {
			if target, ok := s.resolve(n.stack, attachment.Properties["TargetId"]); ok && s.resource(target).Type == "AWS::RDS::DBInstance" {
				out = append(out, target)
			}
		}
	}
	return out
}

// rotatedDatabases are the instances whose secrets a rotation schedule rotates with fn.
func (s *netStage) rotatedDatabases(fn netNode) []netNode {
	var out []netNode
	for n, schedule := range s.resourcesOfType("AWS::SecretsManager::RotationSchedule") {
		if by, _ := s.resolve(n.stack, schedule.Properties["RotationLambdaARN"]); by == fn {
			out = append(out, s.databasesOfSecret(n.stack, schedule.Properties["SecretId"])...)
		}
	}
	return out
}

// sarApplicationName is the name in a SAR application's ID, read through the template's
// Mappings where CDK picks it per partition.
func (s *netStage) sarApplicationName(n netNode, app resource) string {
	id := app.Properties["Location"].(map[string]any)["ApplicationId"]
	if m, ok := id.(map[string]any); ok {
		if find, ok := m["Fn::FindInMap"].([]any); ok {
			id = s.templates[n.stack].Mappings[fmt.Sprint(find[0])]["aws"][fmt.Sprint(find[2])]
		}
	}
	return path.Base(fmt.Sprint(id))
}

// commaList splits CDK's comma-joined list parameters (Fn::Join with ",") into their items.
func commaList(v any) any {
	if m, ok := v.(map[string]any); ok {
		if join, ok := m["Fn::Join"].([]any); ok && join[0] == "," {
			return join[1]
		}
	}
	return v
}

// netEndpoint is an interface endpoint with private DNS.
type netEndpoint struct {
	node    netNode
	service string
	vpc     netNode
	groups  []netNode
}

// privateDNSEndpoints lists the stage's interface endpoints with private DNS for AWS services.
func (s *netStage) privateDNSEndpoints() []netEndpoint {
	var out []netEndpoint
	byType := s.resourcesOfType("AWS::EC2::VPCEndpoint")
	for _, n := range sortedNodes(byType) {
		e := byType[n]
		if e.Properties["VpcEndpointType"] != "Interface" || e.Properties["PrivateDnsEnabled"] != true {
			continue
		}
		name := strings.ReplaceAll(renderLiterals(e.Properties["ServiceName"]), jsonText(map[string]any{"Ref": "AWS::Region"}), s.region)
		service, isAWS := strings.CutPrefix(name, "com.amazonaws."+s.region+".")
		if !isAWS {
			continue
		}
		vpc, ok := s.resolve(n.stack, e.Properties["VpcId"])
		require.True(s.t, ok, "%s: VpcId", n)
		out = append(out, netEndpoint{node: n, service: service, vpc: vpc, groups: s.resolveAll(n.stack, e.Properties["SecurityGroupIds"])})
	}
	return out
}

// stageStacks lists a platform stage's stacks.
func stageStacks(p *stacks.Platform) []awscdk.Stack {
	var out []awscdk.Stack
	for _, child := range *p.Stage.Node().Children() {
		if stack, ok := child.(awscdk.Stack); ok && *awscdk.Stack_IsStack(child) {
			out = append(out, stack)
		}
	}
	return out
}

// TestEveryVpcCallerReachesWhatItCalls walks, per environment, every VPC-attached caller to
// every interface endpoint with private DNS that serves a service it calls in its VPC, and to
// every database it connects to, and checks the ingress and egress rules of each edge (the
// reasoning and the citations are at the top of this file). It prints the edge count.
func TestEveryVpcCallerReachesWhatItCalls(t *testing.T) {
	require.NotEmpty(t, suite.platforms)
	total, minimum := 0, 0
	for _, p := range suite.platforms {
		t.Run(p.Env.Name, func(t *testing.T) {
			account := accountOf(t, p.Env)
			s := loadStage(t, p.Env.Region, append(stageStacks(p), account.Stack))
			accountStack := *account.Stack.StackName()
			var dmsRoles []netNode
			for _, role := range []awscdk.Resource{account.DmsVpcRole, account.DmsCloudWatchLogsRole} {
				dmsRoles = append(dmsRoles, netNode{accountStack, logicalID(t, role)})
			}
			endpoints := s.privateDNSEndpoints()
			require.NotEmpty(t, endpoints, "no interface endpoint with private DNS: the walk would check nothing")

			// edges counts the checked edges per caller kind and what it reaches: a service's
			// endpoint, or "database".
			edges := map[string]int{}
			found := map[string]int{}
			callers := s.callers(p, dmsRoles)
			check := func(c *netCaller, target, what string, ok bool, why string) {
				t.Helper()
				edges[c.kind+" -> "+target]++
				total++
				assert.True(t, ok, "%s %s -> %s: %s", c.kind, c.name, what, why)
				t.Logf("edge %s %s -> %s: %v", c.kind, c.name, what, ok)
			}
			for _, c := range callers {
				found[c.kind]++
				services := slices.Sorted(maps.Keys(c.services))
				t.Logf("caller %s %s, groups %v, calls %v", c.kind, c.name, c.groups, services)
				vpc := s.vpcOf(c.groups)
				for _, e := range endpoints {
					if e.vpc != vpc || !c.callsService(e.service) {
						continue
					}
					what := fmt.Sprintf("%s endpoint %s", e.service, e.node)
					check(c, e.service, what+" (ingress)", s.admits(e.groups, c.groups, 443),
						"the endpoint's security group admits none of the caller's groups on TCP 443; with private DNS every call to "+e.service+" in this VPC goes through it")
					check(c, e.service, what+" (egress)", s.egressAllows(c.groups, e.groups, 443),
						"the caller's groups restrict egress and allow no TCP 443 to the endpoint's group")
				}
				for _, db := range c.databases {
					instance := s.resource(db)
					port, ok := s.port(db.stack, instance.Properties["Port"])
					require.True(t, ok, "%s: Port %v", db, instance.Properties["Port"])
					groups := s.resolveAll(db.stack, instance.Properties["VPCSecurityGroups"])
					require.NotEmpty(t, groups, "%s has no security group", db)
					what := fmt.Sprintf("database %s:%d", db, port)
					check(c, "database", what+" (ingress)", s.admits(groups, c.groups, port), "the database's security group does not admit the caller on its port")
					check(c, "database", what+" (egress)", s.egressAllows(c.groups, groups, port), "the caller's groups allow no egress to the database's port")
				}
			}
			// The edges that broke or could break a daily run, each walked both ways (ingress
			// and egress): a walk that stopped deriving one of them cannot pass.
			required := map[string][]string{
				callerDMS:      {"secretsmanager", "database"},
				callerRotation: {"secretsmanager", "database"},
			}
			// Where MWAA is off (develop) there is no MWAA caller, nor its relay.
			if p.Airflow != nil {
				required[callerMWAA] = []string{"secretsmanager"}
			}
			if p.Env.Databricks.Enabled {
				required[callerDatabricks] = []string{"sts", "kinesis-streams"}
			}
			if p.Airflow != nil && p.Env.Smoke.WriteSources {
				required[callerMWAA] = append(required[callerMWAA], "database")
			}
			// A private webserver's relay calls InvokeRestApi through the airflow.env endpoint,
			// whose private DNS sends MWAA's own calls to env.airflow there too.
			if p.Airflow != nil && p.Env.Airflow.WebserverAccessMode == config.WebserverPrivateOnly {
				required[callerMWAA] = append(required[callerMWAA], "airflow.env")
				required[callerLambda] = []string{"airflow.env"}
			}
			for _, kind := range slices.Sorted(maps.Keys(required)) {
				require.Positive(t, found[kind], "no %s found: the walk matched nothing", kind)
				for _, target := range required[kind] {
					assert.GreaterOrEqual(t, edges[kind+" -> "+target], 2, "%s -> %s: not walked both ways", kind, target)
					minimum += 2
				}
			}
			t.Logf("%s: %d callers, edges per caller kind %v", p.Env.Name, len(callers), edges)
		})
	}
	t.Logf("checked %d reachability edges (at least %d required)", total, minimum)
}
