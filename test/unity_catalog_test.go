package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"dataplatform/config"
	"dataplatform/internal/unitycatalog"
	"dataplatform/stacks"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unityCatalogMasterRole is Databricks' Unity Catalog master role, written out here rather than
// read from config, so a typo there fails these tests. Source: the trust policy of Databricks'
// "Create a storage credential for connecting to AWS S3"
// (https://docs.databricks.com/aws/en/connect/unity-catalog/cloud-storage/storage-credentials):
// "Principal": {"AWS": ["arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL", ...]}.
const unityCatalogMasterRole = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"

// credentialTrust is the storage-credential role's trust statements, with CloudFormation's
// intrinsic functions rendered as text.
func credentialTrust(t *testing.T, d *stacks.DatabricksStack) []map[string]any {
	t.Helper()
	require.NotNil(t, d.StorageCredentialRole, "no storage-credential role")
	role := resourcesOf(t, d.Stack, "AWS::IAM::Role")[logicalID(t, d.StorageCredentialRole)]
	return documentStatements(role.Properties["AssumeRolePolicyDocument"])
}

func selfTrust(env config.Environment) map[string]any {
	return map[string]any{
		"Action":    "sts:AssumeRole",
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": fmt.Sprintf("arn:aws:iam::%s:root", env.Account)},
		"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": fmt.Sprintf("arn:aws:iam::%s:role/%s", env.Account, env.UnityCatalogRoleName())}},
	}
}

// TestStorageCredentialRoleWhileThePendingPhase: the committed environments with Unity Catalog
// on have no external ID yet, so their role trusts only itself: Databricks cannot assume it.
func TestStorageCredentialRoleWhileThePendingPhase(t *testing.T) {
	pending := 0
	for _, p := range enabledDatabricks(t) {
		if !p.Env.Databricks.UnityCatalog.Enabled {
			assert.Nil(t, p.Databricks.StorageCredentialRole, p.Env.Name)
			continue
		}
		require.Equal(t, config.UnityCatalogPending, p.Env.Databricks.UnityCatalog.ExternalID, p.Env.Name)
		pending++
		assert.Equal(t, []map[string]any{selfTrust(p.Env)}, credentialTrust(t, p.Databricks), p.Env.Name)
		role := resourcesOf(t, p.Databricks.Stack, "AWS::IAM::Role")[logicalID(t, p.Databricks.StorageCredentialRole)]
		assert.Equal(t, p.Env.UnityCatalogRoleName(), role.Properties["RoleName"], "the self-trust derives the ARN from this name")
	}
	require.Positive(t, pending, "no committed environment has Unity Catalog on")
}

// sortedSids orders statement IDs, the unnamed (nil) first, for slices.Compact.
func sortedSids(sids []any) []any {
	slices.SortFunc(sids, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return sids
}

// TestStorageCredentialRoleWithItsExternalID builds staging as the second phase has it: the
// master role is trusted with exactly the credential's external ID, and the role itself still.
func TestStorageCredentialRoleWithItsExternalID(t *testing.T) {
	const externalID = "5d7c36a2-9a1e-4c3b-8f0a-2b6e1d4c9f70"
	p := buildOne(t, "staging", func(e *config.Environment) { e.Databricks.UnityCatalog.ExternalID = externalID })
	master := map[string]any{
		"Action":    "sts:AssumeRole",
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": unityCatalogMasterRole},
		"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": externalID}},
	}
	assert.ElementsMatch(t, []map[string]any{master, selfTrust(p.Env)}, credentialTrust(t, p.Databricks))
}

// TestStorageCredentialRoleReachesTheLakeOnly: read bronze, read and write silver and gold, the
// lake's key only through S3, and assume itself; nothing else.
func TestStorageCredentialRoleReachesTheLakeOnly(t *testing.T) {
	for _, p := range enabledDatabricks(t) {
		if !p.Env.Databricks.UnityCatalog.Enabled {
			continue
		}
		t.Run(p.Env.Name, func(t *testing.T) {
			d, env := p.Databricks, p.Env
			layers := map[string]string{
				logicalID(t, p.DataLake.Bronze): config.LayerBronze,
				logicalID(t, p.DataLake.Silver): config.LayerSilver,
				logicalID(t, p.DataLake.Gold):   config.LayerGold,
			}
			// layerOf names the bucket a resource (another stack's output, joined) points into.
			layerOf := func(r any) string {
				text := jsonText(r)
				for id, layer := range layers {
					if strings.Contains(text, id) {
						if strings.Contains(text, `"/*"`) {
							return layer + "/*"
						}
						return layer
					}
				}
				return text
			}
			read := []any{"s3:GetObject", "s3:GetObjectVersion"}
			write := []any{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:ListMultipartUploadParts", "s3:PutObject"}
			want := map[string]any{"bronze/*": read, "silver/*": write, "gold/*": write}
			got, sids := map[string]any{}, []any{}
			for _, s := range roleStatements(t, d.Stack, logicalID(t, d.StorageCredentialRole)) {
				sids = append(sids, s["Sid"])
				switch s["Sid"] {
				case "LocateBuckets":
					var buckets []string
					for _, r := range list(s["Resource"]) {
						buckets = append(buckets, layerOf(r))
					}
					assert.ElementsMatch(t, []string{"bronze", "silver", "gold"}, buckets)
				case "DataLakeKeyThroughS3":
					assert.Equal(t, map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + env.Region + ".amazonaws.com"}}, s["Condition"])
					assert.Contains(t, jsonText(s["Resource"]), logicalID(t, p.DataLake.Key), "the data-lake key only")
					assert.ElementsMatch(t, []any{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"}, list(s["Action"]))
				case "AssumeItself":
					assert.Equal(t, fmt.Sprintf("arn:aws:iam::%s:role/%s", env.Account, env.UnityCatalogRoleName()), s["Resource"])
				case nil:
					for _, r := range list(s["Resource"]) {
						got[layerOf(r)] = list(s["Action"])
					}
				}
			}
			assert.Equal(t, want, got)
			// The object statements (CDK merges those with the same actions) and the three named.
			assert.ElementsMatch(t, []any{nil, "LocateBuckets", "DataLakeKeyThroughS3", "AssumeItself"}, slices.Compact(sortedSids(sids)), "nothing else")
		})
	}
}

// TestUnityCatalogPlanMatchesTheStacks: the set-up command's plan (cmd/unitycatalog) finds the
// credential's role where the Databricks stack outputs it, names that role, and puts each
// layer's external location on the bucket the DataLake stack creates, read-only where the
// credential's role may only read; the catalog's managed root lies in a writable location.
func TestUnityCatalogPlanMatchesTheStacks(t *testing.T) {
	checked := 0
	for _, p := range enabledDatabricks(t) {
		if !p.Env.Databricks.UnityCatalog.Enabled {
			continue
		}
		checked++
		plan := unitycatalog.NewPlan(p.Env)
		d := p.Databricks
		assert.Equal(t, *d.Stack.StackName(), plan.Stack, p.Env.Name)
		require.Contains(t, outputsOf(t, d.Stack), plan.RoleOutput, p.Env.Name)
		assert.Contains(t, jsonText(outputsOf(t, d.Stack)[plan.RoleOutput]["Value"]), logicalID(t, d.StorageCredentialRole))
		role := resourcesOf(t, d.Stack, "AWS::IAM::Role")[logicalID(t, d.StorageCredentialRole)]
		assert.Equal(t, fmt.Sprintf("arn:aws:iam::%s:role/%s", p.Env.Account, role.Properties["RoleName"]), plan.RoleArn)
		// The set-up refuses a credential Databricks says another role assumes than this one.
		assert.Equal(t, unityCatalogMasterRole, plan.MasterRole, p.Env.Name)

		buckets := resourcesOf(t, p.DataLake.Stack, "AWS::S3::Bucket")
		bucketOf := map[string]any{
			config.LayerBronze: buckets[logicalID(t, p.DataLake.Bronze)].Properties["BucketName"],
			config.LayerSilver: buckets[logicalID(t, p.DataLake.Silver)].Properties["BucketName"],
			config.LayerGold:   buckets[logicalID(t, p.DataLake.Gold)].Properties["BucketName"],
		}
		var layers []string
		writable := map[string]bool{}
		for _, l := range plan.Locations {
			layers = append(layers, l.Layer)
			assert.Equal(t, fmt.Sprintf("s3://%s/", bucketOf[l.Layer]), l.URL, "%s %s", p.Env.Name, l.Name)
			// The credential's role writes silver and gold only (TestStorageCredentialRoleReachesTheLakeOnly).
			assert.Equal(t, l.Layer == config.LayerBronze, l.ReadOnly, "%s %s", p.Env.Name, l.Name)
			if !l.ReadOnly {
				writable[l.URL] = true
			}
		}
		assert.ElementsMatch(t, []string{config.LayerBronze, config.LayerSilver, config.LayerGold}, layers, p.Env.Name)
		root := plan.Catalog.StorageRoot
		assert.True(t, writable[root[:strings.Index(root[len("s3://"):], "/")+len("s3://")+1]], "%s: catalog root %s", p.Env.Name, root)
		for _, g := range plan.Grants {
			assert.NotEqual(t, p.Env.Databricks.DeployServicePrincipal, g.Principal, "the deployer owns what it creates: it needs no grant")
		}
	}
	require.Positive(t, checked)
}
