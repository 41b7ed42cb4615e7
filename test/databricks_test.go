package test

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serviceSuffix matches the last label of an endpoint service name.
var serviceSuffix = regexp.MustCompile(`\.([a-z0-9-]+)"`)

// databricksPrincipal is Databricks' AWS account (FACTS.md), written out here on purpose rather
// than read from package stacks, so a typo there fails this test.
const databricksPrincipal = "arn:aws:iam::414351767826:root"

// enabledDatabricks returns the platforms whose environment enables Databricks.
func enabledDatabricks(t *testing.T) []*stacks.Platform {
	t.Helper()
	var out []*stacks.Platform
	for _, p := range suite.platforms {
		if p.Env.Databricks.Enabled {
			out = append(out, p)
		}
	}
	require.NotEmpty(t, out, "no committed environment enables Databricks, so nothing below is tested")
	return out
}

func TestDatabricksStackOnlyWhereEnabled(t *testing.T) {
	disabled := 0
	for _, p := range suite.platforms {
		_, inApp := allStacks()[p.Env.Name+"/Databricks"]
		if p.Env.Databricks.Enabled {
			assert.NotNil(t, p.Databricks, p.Env.Name)
			assert.True(t, inApp, p.Env.Name)
			continue
		}
		disabled++
		assert.Nil(t, p.Databricks, p.Env.Name)
		assert.False(t, inApp, "%s disables Databricks but has a Databricks stack", p.Env.Name)
		assert.Nil(t, p.Stage.Node().TryFindChild(jsii.String("Databricks")), p.Env.Name)
	}
	require.Positive(t, disabled, "no committed environment disables Databricks, so the toggle is untested")
	enabledDatabricks(t)
}

// sgRule is one security-group rule reduced to what matters: direction, protocol, ports, peer.
type sgRule string

func newSGRule(direction string, r map[string]any, self string) sgRule {
	peer, _ := r["CidrIp"].(string)
	for _, key := range []string{"SourceSecurityGroupId", "DestinationSecurityGroupId"} {
		if v, ok := r[key]; ok {
			peer = jsonText(v)
			if jsonText(v) == jsonText(getAtt(self, "GroupId")) {
				peer = "self"
			}
		}
	}
	return sgRule(fmt.Sprintf("%s %v %v-%v %s", direction, r["IpProtocol"], r["FromPort"], r["ToPort"], peer))
}

// rulesOf collects every rule of one security group: inline ones and standalone resources.
func rulesOf(t *testing.T, stack awscdk.Stack, sgID string) []sgRule {
	t.Helper()
	var rules []sgRule
	sg := resourcesOf(t, stack, "AWS::EC2::SecurityGroup")[sgID]
	for direction, key := range map[string]string{"ingress": "SecurityGroupIngress", "egress": "SecurityGroupEgress"} {
		inline, _ := sg.Properties[key].([]any)
		for _, r := range inline {
			rules = append(rules, newSGRule(direction, r.(map[string]any), sgID))
		}
		for _, r := range resourcesOf(t, stack, "AWS::EC2::"+key) {
			if jsonText(r.Properties["GroupId"]) == jsonText(getAtt(sgID, "GroupId")) {
				rules = append(rules, newSGRule(direction, r.Properties, sgID))
			}
		}
	}
	return rules
}

func TestDatabricksWorkspaceSecurityGroupRules(t *testing.T) {
	// FACTS.md: all TCP and UDP within the group both ways; out to anywhere on 443, 3306, 6666,
	// 2443 and 8443-8451; nothing else (no allow-all egress, no other ingress).
	want := []sgRule{
		"ingress tcp 0-65535 self", "ingress udp 0-65535 self",
		"egress tcp 0-65535 self", "egress udp 0-65535 self",
		"egress tcp 443-443 0.0.0.0/0", "egress tcp 3306-3306 0.0.0.0/0", "egress tcp 6666-6666 0.0.0.0/0",
		"egress tcp 2443-2443 0.0.0.0/0", "egress tcp 8443-8451 0.0.0.0/0",
	}
	for _, p := range enabledDatabricks(t) {
		t.Run(p.Env.Name, func(t *testing.T) {
			assert.ElementsMatch(t, want, rulesOf(t, p.Databricks.Stack, logicalID(t, p.Databricks.SecurityGroup)))
		})
	}
}

func TestDatabricksEndpoints(t *testing.T) {
	for _, p := range enabledDatabricks(t) {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Databricks.Stack
			workspaceSG := logicalID(t, p.Databricks.SecurityGroup)
			got := map[string]string{}
			var endpointSGs []string
			for _, r := range resourcesOf(t, stack, "AWS::EC2::VPCEndpoint") {
				// "com.amazonaws.us-east-1.sts", or a Join ending in ".s3": keep the last label.
				names := serviceSuffix.FindAllStringSubmatch(jsonText(r.Properties["ServiceName"]), -1)
				service := names[len(names)-1][1]
				got[service] = fmt.Sprintf("%v privateDns=%v", r.Properties["VpcEndpointType"], r.Properties["PrivateDnsEnabled"])
				assert.Equal(t, ref(logicalID(t, p.Databricks.Vpc)), r.Properties["VpcId"])
				for _, sg := range list(r.Properties["SecurityGroupIds"]) {
					if sg != nil {
						endpointSGs = append(endpointSGs, sg.(map[string]any)["Fn::GetAtt"].([]any)[0].(string))
					}
				}
			}
			assert.Equal(t, map[string]string{
				"s3":              "Gateway privateDns=<nil>",
				"sts":             "Interface privateDns=true",
				"kinesis-streams": "Interface privateDns=true",
			}, got)
			// The interface endpoints share one group that admits HTTPS from the workspace only.
			require.Len(t, endpointSGs, 2)
			require.Equal(t, endpointSGs[0], endpointSGs[1])
			assert.NotEqual(t, workspaceSG, endpointSGs[0])
			var ingress []sgRule
			for _, r := range rulesOf(t, stack, endpointSGs[0]) {
				if strings.HasPrefix(string(r), "ingress") {
					ingress = append(ingress, r)
				}
			}
			assert.Equal(t, []sgRule{sgRule(fmt.Sprintf("ingress tcp 443-443 %s", jsonText(getAtt(workspaceSG, "GroupId"))))}, ingress)
		})
	}
}

func TestDatabricksVpcAndSubnets(t *testing.T) {
	for _, p := range enabledDatabricks(t) {
		t.Run(p.Env.Name, func(t *testing.T) {
			d, stack := p.Env.Databricks, p.Databricks.Stack
			vpc := resourcesOf(t, stack, "AWS::EC2::VPC")[logicalID(t, p.Databricks.Vpc)]
			assert.Equal(t, d.CIDR, vpc.Properties["CidrBlock"])
			assert.Equal(t, true, vpc.Properties["EnableDnsHostnames"])
			assert.Equal(t, true, vpc.Properties["EnableDnsSupport"])
			block := netip.MustParsePrefix(d.CIDR)
			assert.False(t, block.Overlaps(netip.MustParsePrefix(p.Env.Network.CIDR)), "workspace VPC overlaps the shared VPC")

			zones := map[string][]string{}
			for _, s := range resourcesOf(t, stack, "AWS::EC2::Subnet") {
				kind := ""
				for _, tag := range s.Properties["Tags"].([]any) {
					if tag.(map[string]any)["Key"] == "aws-cdk:subnet-type" {
						kind = tag.(map[string]any)["Value"].(string)
					}
				}
				subnet := netip.MustParsePrefix(s.Properties["CidrBlock"].(string))
				assert.True(t, block.Contains(subnet.Addr()), "%s outside %s", subnet, block)
				mask := map[string]int{"Private": d.SubnetMask, "Public": d.PublicSubnetMask}[kind]
				assert.Equal(t, mask, subnet.Bits(), "%s subnet %s", kind, subnet)
				zones[kind] = append(zones[kind], s.Properties["AvailabilityZone"].(string))
			}
			// One private (cluster) and one public (NAT) subnet per configured zone, no other tier.
			want := slices.Sorted(slices.Values(d.AvailabilityZones))
			slices.Sort(zones["Private"])
			slices.Sort(zones["Public"])
			assert.Equal(t, map[string][]string{"Private": want, "Public": want}, zones)
			assert.Len(t, resourcesOf(t, stack, "AWS::EC2::NatGateway"), d.NATGateways)

			flowLogs := resourcesOf(t, stack, "AWS::EC2::FlowLog")
			require.Len(t, flowLogs, 1)
			for _, f := range flowLogs {
				assert.Equal(t, "ALL", f.Properties["TrafficType"])
				group := resourcesOf(t, stack, "AWS::Logs::LogGroup")[f.Properties["LogGroupName"].(map[string]any)["Ref"].(string)]
				assert.NotNil(t, group.Properties["KmsKeyId"], "flow log group is not KMS-encrypted")
				assert.EqualValues(t, p.Env.Network.FlowLogRetentionDays, group.Properties["RetentionInDays"])
			}
		})
	}
}

func TestDatabricksCrossAccountTrust(t *testing.T) {
	for _, p := range enabledDatabricks(t) {
		t.Run(p.Env.Name, func(t *testing.T) {
			role := resourcesOf(t, p.Databricks.Stack, "AWS::IAM::Role")[logicalID(t, p.Databricks.CrossAccountRole)]
			assert.Equal(t, []any{map[string]any{
				"Action":    "sts:AssumeRole",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": databricksPrincipal},
				"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": p.Env.Databricks.AccountID}},
			}}, role.Properties["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
		})
	}
}

func TestDatabricksCrossAccountPolicy(t *testing.T) {
	// Databricks-managed-VPC actions that a customer-managed VPC must not grant.
	forbidden := []string{"ec2:CreateVpc", "ec2:DeleteVpc", "ec2:CreateSubnet", "ec2:DeleteSubnet",
		"ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:CreateNatGateway", "ec2:AllocateAddress",
		"ec2:CreateRoute", "ec2:CreateRouteTable", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
		"ec2:CreateVpcEndpoint", "ec2:ModifyVpcAttribute"}
	for _, p := range enabledDatabricks(t) {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Databricks.Stack
			vpcRef := jsonText(ref(logicalID(t, p.Databricks.Vpc)))
			var passRoles, actions []string
			sids := map[string]map[string]any{}
			for _, s := range roleStatements(t, stack, logicalID(t, p.Databricks.CrossAccountRole)) {
				if sid, ok := s["Sid"].(string); ok {
					sids[sid] = s
				}
				for _, a := range list(s["Action"]) {
					actions = append(actions, a.(string))
					assert.NotContains(t, a, ":*", "wildcard action %s", a)
					if a == "iam:PassRole" {
						passRoles = append(passRoles, jsonText(s["Resource"]))
					}
				}
			}
			for _, a := range forbidden {
				assert.NotContains(t, actions, a)
			}
			assert.Subset(t, actions, []string{"ec2:RunInstances", "ec2:TerminateInstances", "ec2:CreateVolume",
				"ec2:AttachVolume", "ec2:DeleteVolume", "ec2:RequestSpotInstances", "ec2:CreateTags", "ec2:CreateFleet"})
			// PassRole on exactly the data-access role, nothing else.
			assert.Equal(t, []string{jsonText(getAtt(logicalID(t, p.Databricks.DataAccessRole), "Arn"))}, passRoles)
			// Launches and security-group changes are limited to the workspace VPC.
			for _, sid := range []string{"AllowEc2RunInstancePerVPCid", "VpcNonresourceSpecificActions"} {
				require.Contains(t, sids, sid)
				assert.Contains(t, jsonText(sids[sid]["Condition"].(map[string]any)["StringEquals"].(map[string]any)["ec2:vpc"]), vpcRef, sid)
			}
			assert.Contains(t, jsonText(sids["VpcNonresourceSpecificActions"]["Resource"]),
				jsonText(getAtt(logicalID(t, p.Databricks.SecurityGroup), "GroupId")))
			spot := sids["CreateSpotServiceLinkedRole"]
			require.NotNil(t, spot)
			assert.Equal(t, "iam:CreateServiceLinkedRole", spot["Action"])
			assert.Equal(t, fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot", p.Env.Account), spot["Resource"])
			assert.Equal(t, map[string]any{"StringLike": map[string]any{"iam:AWSServiceName": "spot.amazonaws.com"}}, spot["Condition"])
		})
	}
}

func TestDatabricksRootBucket(t *testing.T) {
	for _, p := range enabledDatabricks(t) {
		t.Run(p.Env.Name, func(t *testing.T) {
			stack := p.Databricks.Stack
			id := logicalID(t, p.Databricks.RootBucket)
			bucket := resourcesOf(t, stack, "AWS::S3::Bucket")[id]
			assert.Equal(t, p.Env.BucketName(config.BucketDatabricksRoot), bucket.Properties["BucketName"])
			assert.Equal(t, map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
				bucket.Properties["PublicAccessBlockConfiguration"])
			assert.Contains(t, jsonText(bucket.Properties["BucketEncryption"]), `"SSEAlgorithm":"AES256"`)
			assert.Contains(t, jsonText(bucket.Properties["LoggingConfiguration"]), `"LogFilePrefix":"databricks/"`)

			var grants []any
			for _, policy := range resourcesOf(t, stack, "AWS::S3::BucketPolicy") {
				if jsonText(policy.Properties["Bucket"]) != jsonText(ref(id)) {
					continue
				}
				for _, s := range policy.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					if s.(map[string]any)["Effect"] == "Allow" {
						grants = append(grants, s)
					}
				}
			}
			require.Len(t, grants, 1, "the root bucket policy should allow Databricks and nobody else")
			grant := grants[0].(map[string]any)
			assert.Equal(t, map[string]any{"AWS": databricksPrincipal}, grant["Principal"])
			assert.ElementsMatch(t, []any{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
				"s3:ListBucket", "s3:GetBucketLocation"}, grant["Action"])
			assert.Equal(t, []any{getAtt(id, "Arn"), map[string]any{"Fn::Join": []any{"", []any{getAtt(id, "Arn"), "/*"}}}}, grant["Resource"])
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/DatabricksAccountId": p.Env.Databricks.AccountID}},
				grant["Condition"])
		})
	}
}

// TestDatabricksDataAccessRole: the role of the clusters' instance profile. While the
// committed environments' Unity Catalog is pending (no external ID yet) it reaches the lake
// itself, so jobs deployed before keep running; once Unity Catalog is ready (staging built with
// an external ID) it may publish the speed layer's metric and nothing else.
func TestDatabricksDataAccessRole(t *testing.T) {
	for _, p := range enabledDatabricks(t) {
		require.False(t, p.Env.Databricks.UnityCatalog.Ready(), "%s: check its Unity Catalog path below", p.Env.Name)
		t.Run(p.Env.Name, func(t *testing.T) { checkInstanceProfileLakeAccess(t, p) })
	}
	t.Run("staging with Unity Catalog ready", func(t *testing.T) {
		p := buildOne(t, "staging", func(e *config.Environment) {
			e.Databricks.UnityCatalog.ExternalID = "5d7c36a2-9a1e-4c3b-8f0a-2b6e1d4c9f70"
		})
		checkDataAccessTrust(t, p)
		var want []map[string]any
		if len(p.Env.SpeedStreams()) > 0 {
			want = append(want, publishFreshness)
		}
		assert.Equal(t, want, roleStatements(t, p.Databricks.Stack, logicalID(t, p.Databricks.DataAccessRole)),
			"no S3, KMS or Glue right: the lake is Unity Catalog's")
		annotations := assertions.Annotations_FromStack(p.Databricks.Stack)
		assert.Empty(t, *annotations.FindError(jsii.String("*"), awsSolutions))
	})
}

// publishFreshness is the statement that lets clusters publish the speed layer's freshness.
var publishFreshness = map[string]any{"Sid": "PublishSpeedFreshness", "Action": "cloudwatch:PutMetricData", "Effect": "Allow", "Resource": "*",
	"Condition": map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": config.SpeedMetricNamespace}}}

// checkDataAccessTrust: the role is EC2's, behind an instance profile of its name.
func checkDataAccessTrust(t *testing.T, p *stacks.Platform) {
	stack := p.Databricks.Stack
	roleID := logicalID(t, p.Databricks.DataAccessRole)
	role := resourcesOf(t, stack, "AWS::IAM::Role")[roleID]
	assert.Equal(t, []any{map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow",
		"Principal": map[string]any{"Service": "ec2.amazonaws.com"}}},
		role.Properties["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
	profile := resourcesOf(t, stack, "AWS::IAM::InstanceProfile")[logicalID(t, p.Databricks.InstanceProfile)]
	assert.Equal(t, []any{ref(roleID)}, profile.Properties["Roles"])
	assert.Equal(t, role.Properties["RoleName"], profile.Properties["InstanceProfileName"])
}

// checkInstanceProfileLakeAccess: without Unity Catalog the role reads the bronze prefixes the
// jobs process, reads and writes silver, reads two layers' Glue catalog, and publishes the
// speed layer's metric.
func checkInstanceProfileLakeAccess(t *testing.T, p *stacks.Platform) {
	stack, env := p.Databricks.Stack, p.Env
	roleID := logicalID(t, p.Databricks.DataAccessRole)
	checkDataAccessTrust(t, p)
	bronze, silver, gold := logicalID(t, p.DataLake.Bronze), logicalID(t, p.DataLake.Silver), logicalID(t, p.DataLake.Gold)
	reads, writes := map[string]bool{}, map[string]bool{}
	glue := map[string][]any{}
	var decrypts bool
	var bronzeObjects []string
	var metrics []any
	for _, s := range roleStatements(t, stack, roleID) {
		actions := jsonText(s["Action"])
		if strings.Contains(actions, "cloudwatch:") {
			metrics = append(metrics, s)
			continue
		}
		// The nag suppression admits Resource::* for PutMetricData; nothing else may use it.
		assert.NotEqual(t, "*", s["Resource"], "only PutMetricData has no resource: %v", s)
		if sid, ok := s["Sid"].(string); ok && strings.Contains(actions, "glue:") {
			glue[sid] = s["Resource"].([]any)
			continue
		}
		resources := jsonText(s["Resource"])
		for _, layer := range []string{bronze, silver, gold} {
			if strings.Contains(resources, layer) && strings.Contains(actions, "s3:GetObject") {
				reads[layer] = true
			}
			if strings.Contains(resources, layer) && strings.Contains(actions, "s3:PutObject") {
				writes[layer] = true
			}
		}
		if strings.Contains(resources, bronze) && strings.Contains(actions, "s3:GetObject") {
			for _, r := range list(s["Resource"]) {
				if join, ok := r.(map[string]any)["Fn::Join"]; ok {
					bronzeObjects = append(bronzeObjects, fmt.Sprint(join.([]any)[1].([]any)[1]))
				}
			}
		}
		if strings.Contains(resources, "DataKey") && strings.Contains(actions, `"kms:Decrypt"`) {
			decrypts = true
		}
	}
	assert.Equal(t, map[string]bool{bronze: true, silver: true}, reads, "clusters read bronze and silver, not gold (dbt builds it on Athena)")
	assert.Equal(t, map[string]bool{silver: true}, writes, "clusters write silver only")
	want := []string{"/" + config.BronzeRDSPrefix + "*", "/" + config.BronzeAPIRoot + "*"}
	for _, s := range env.SpeedStreams() {
		want = append(want, "/"+config.BronzeKinesisPrefix(s.Name)+"*")
		if s.Format == config.FormatParquet {
			want = append(want, "/"+config.BronzeKinesisConversionErrorsPrefix(s.Name)+"*")
		}
	}
	assert.ElementsMatch(t, want, bronzeObjects, "clusters read only the bronze prefixes the jobs process")
	assert.True(t, decrypts, "clusters must decrypt with the data-lake key")
	var wantMetrics []any
	if len(env.SpeedStreams()) > 0 {
		wantMetrics = []any{publishFreshness}
	}
	assert.Equal(t, wantMetrics, metrics, "clusters publish the speed layer's freshness, in its namespace only")

	arn := func(resource string) any {
		return fmt.Sprintf("arn:aws:glue:%s:%s:%s", env.Region, env.Account, resource)
	}
	read := []any{arn("catalog")}
	for _, layer := range []string{config.LayerBronze, config.LayerSilver} {
		db := env.DatabaseName(layer)
		read = append(read, arn("database/"+db), arn("table/"+db+"/*"))
	}
	assert.ElementsMatch(t, read, glue["ReadCatalog"])
	assert.Len(t, glue, 1, "clusters create no Glue table: the Catalog stack registers silver")
}

func TestDatabricksOutputs(t *testing.T) {
	for _, p := range enabledDatabricks(t) {
		t.Run(p.Env.Name, func(t *testing.T) {
			d := p.Databricks
			var subnets []any
			for _, s := range *d.Vpc.PrivateSubnets() {
				subnets = append(subnets, ref(logicalID(t, s)))
			}
			require.Len(t, subnets, len(p.Env.Databricks.AvailabilityZones))
			want := map[string]any{
				"CrossAccountRoleArn": getAtt(logicalID(t, d.CrossAccountRole), "Arn"),
				"RootBucketName":      ref(logicalID(t, d.RootBucket)),
				"VpcId":               ref(logicalID(t, d.Vpc)),
				"SubnetIds":           map[string]any{"Fn::Join": []any{",", subnets}},
				"SecurityGroupId":     getAtt(logicalID(t, d.SecurityGroup), "GroupId"),
				"InstanceProfileArn":  getAtt(logicalID(t, d.InstanceProfile), "Arn"),
				"DataAccessRoleArn":   getAtt(logicalID(t, d.DataAccessRole), "Arn"),
			}
			if p.Env.Databricks.UnityCatalog.Enabled {
				want["StorageCredentialRoleArn"] = getAtt(logicalID(t, d.StorageCredentialRole), "Arn")
			}
			got := map[string]any{}
			for name, o := range outputsOf(t, d.Stack) {
				// PublishOutput* are CDK's weak cross-stack references (Monitoring reads the NAT IDs).
				if !strings.HasPrefix(name, "PublishOutput") {
					got[name] = o["Value"]
				}
			}
			assert.Equal(t, want, got)
		})
	}
}

// TestDatabricksInDestroyEnvironment builds develop with Databricks switched on, which the
// committed config does not, so the destroy-removal variant (auto-deleted root bucket) is
// proven to synthesize and pass cdk-nag too. It costs one extra synth of one environment.
func TestDatabricksInDestroyEnvironment(t *testing.T) {
	d := buildOne(t, "develop", func(e *config.Environment) {
		require.Equal(t, config.RemovalDestroy, e.Removal)
		e.Databricks.Enabled = true
	}).Databricks
	require.NotNil(t, d)
	// develop has no Unity Catalog: its clusters keep the instance profile, and no credential.
	assert.Nil(t, d.StorageCredentialRole)
	assert.NotNil(t, d.InstanceProfile)
	annotations := assertions.Annotations_FromStack(d.Stack)
	assert.Empty(t, *annotations.FindError(jsii.String("*"), awsSolutions))
	assert.Empty(t, *annotations.FindWarning(jsii.String("*"), awsSolutions))
	bucket := assertions.Template_FromStack(d.Stack, nil)
	bucket.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{"DeletionPolicy": "Delete"})
	bucket.ResourceCountIs(jsii.String("Custom::S3AutoDeleteObjects"), jsii.Number(1))
}
