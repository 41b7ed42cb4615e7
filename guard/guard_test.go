package guard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// app is a small app with a protected stage and an unprotected one, in golden layout.
func app() Templates {
	lake := func() Template {
		return Template{Resources: map[string]Resource{
			"BronzeBucketFF082204": {Type: "AWS::S3::Bucket", DeletionPolicy: "Retain",
				Properties: map[string]any{"BucketName": "dataplatform-production-bronze", "VersioningConfiguration": map[string]any{"Status": "Enabled"}}},
			"DataKey": {Type: "AWS::KMS::Key", Properties: map[string]any{"EnableKeyRotation": true}},
			"BronzeDatabase": {Type: "AWS::Glue::Database",
				Properties: map[string]any{"CatalogId": map[string]any{"Ref": "AWS::AccountId"}, "DatabaseInput": map[string]any{"Name": "production_bronze"}}},
			"BucketPolicy": {Type: "AWS::S3::BucketPolicy", Properties: map[string]any{"Bucket": map[string]any{"Ref": "BronzeBucketFF082204"}}},
		}}
	}
	return Templates{"production/DataLake": lake(), "develop/DataLake": lake()}
}

var protected = []string{"staging", "production"}

func TestUnchangedAppPasses(t *testing.T) {
	assert.Empty(t, Check(app(), app(), protected))
}

func TestStatelessChangesPass(t *testing.T) {
	head := app()
	lake := head["production/DataLake"]
	delete(lake.Resources, "BucketPolicy")                                                                               // not stateful
	lake.Resources["BronzeBucketFF082204"].Properties["VersioningConfiguration"] = map[string]any{"Status": "Suspended"} // updatable in place
	lake.Resources["DataKey"].Properties["EnableKeyRotation"] = false
	assert.Empty(t, Check(app(), head, protected))
}

func TestRenamedLogicalIDFails(t *testing.T) {
	head := app()
	lake := head["production/DataLake"]
	lake.Resources["BronzeBucketRenamed"] = lake.Resources["BronzeBucketFF082204"]
	delete(lake.Resources, "BronzeBucketFF082204")
	got := Check(app(), head, protected)
	require.Len(t, got, 1)
	assert.Equal(t, "production/DataLake BronzeBucketFF082204 (AWS::S3::Bucket) would be deleted: its logical ID is gone from the template "+
		"(renamed, moved or removed) (DeletionPolicy Retain: CloudFormation orphans it, and the app loses it)", got[0].String())
}

func TestReplacingPropertyChangeFails(t *testing.T) {
	head := app()
	lake := head["production/DataLake"]
	lake.Resources["BronzeBucketFF082204"].Properties["BucketName"] = "dataplatform-production-raw"
	lake.Resources["DataKey"].Properties["KeySpec"] = "RSA_2048" // absent before: SYMMETRIC_DEFAULT
	lake.Resources["BronzeDatabase"].Properties["DatabaseInput"] = map[string]any{"Name": "production_raw"}
	got := Check(app(), head, protected)
	require.Len(t, got, 3)
	assert.Equal(t, []string{
		"production/DataLake BronzeBucketFF082204 (AWS::S3::Bucket) would be replaced: BucketName changes, which CloudFormation cannot apply in place",
		"production/DataLake BronzeDatabase (AWS::Glue::Database) would be replaced: DatabaseInput.Name changes, which CloudFormation cannot apply in place",
		"production/DataLake DataKey (AWS::KMS::Key) would be replaced: KeySpec changes, which CloudFormation cannot apply in place",
	}, []string{got[0].String(), got[1].String(), got[2].String()})
}

func TestRemovedStackFails(t *testing.T) {
	head := app()
	delete(head, "production/DataLake")
	got := Check(app(), head, protected)
	require.Len(t, got, 3) // the bucket, the key and the database; not the bucket policy
	assert.Equal(t, "deleted", got[0].Change)
	assert.Contains(t, got[0].Why, "its stack is gone from the app")
}

func TestUnprotectedStageIsIgnored(t *testing.T) {
	head := app()
	delete(head, "develop/DataLake")
	assert.Empty(t, Check(app(), head, protected))
}

func TestAllowedReplacementPasses(t *testing.T) {
	head := app()
	head["production/DataLake"].Resources["BronzeBucketFF082204"].Properties["BucketName"] = "dataplatform-production-raw"
	allow := []Allowance{
		{Stage: "production", Stack: "DataLake", LogicalID: "BronzeBucketFF082204", Reason: "renamed; objects copied first"},
		{Stage: "production", Stack: "DataLake", LogicalID: "Gone", Reason: "stale"},
	}
	blocking, allowed, unused := Apply(Check(app(), head, protected), allow)
	assert.Empty(t, blocking)
	require.Len(t, allowed, 1)
	assert.Equal(t, "BronzeBucketFF082204", allowed[0].LogicalID)
	assert.Equal(t, []Allowance{allow[1]}, unused)
}

func TestReadAllowFile(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		path := filepath.Join(dir, "allow.yaml")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
		return path
	}
	got, err := ReadAllowFile(write("allow:\n  - {stage: production, stack: DataLake, logicalId: Bucket, reason: copied}\n"))
	require.NoError(t, err)
	assert.Equal(t, []Allowance{{Stage: "production", Stack: "DataLake", LogicalID: "Bucket", Reason: "copied"}}, got)

	_, err = ReadAllowFile(write("allow:\n  - {stage: production, stack: DataLake, logicalId: Bucket}\n"))
	assert.EqualError(t, err, filepath.Join(dir, "allow.yaml")+": allow[0]: stage, stack, logicalId and reason are all required")

	_, err = ReadAllowFile(write("allow:\n  - {stage: production, stack: DataLake, logicalID: Bucket, reason: typo}\n"))
	assert.ErrorContains(t, err, "field logicalID not found")

	got, err = ReadAllowFile(write("# nothing allowed\nallow: []\n"))
	require.NoError(t, err)
	assert.Empty(t, got)

	got, err = ReadAllowFile(filepath.Join(dir, "missing.yaml"))
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestRunReadsBothLayouts runs the whole guard over a golden-layout base and a cloud-assembly
// head, the two shapes `make guard` and the PR workflow feed it.
func TestRunReadsBothLayouts(t *testing.T) {
	base, head := t.TempDir(), t.TempDir()
	writeJSON := func(path string, v any) {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, raw, 0o644))
	}
	for key, tpl := range app() {
		writeJSON(filepath.Join(base, key+".json"), tpl)
	}
	changed := app()["production/DataLake"]
	delete(changed.Resources, "DataKey")
	writeJSON(filepath.Join(head, "manifest.json"), map[string]any{"artifacts": map[string]any{
		"assembly-production": map[string]any{"type": "cdk:cloud-assembly", "properties": map[string]any{"directoryName": "assembly-production"}},
	}})
	writeJSON(filepath.Join(head, "assembly-production", "manifest.json"), map[string]any{"artifacts": map[string]any{
		"productionDataLakeX": map[string]any{"type": "aws:cloudformation:stack", "displayName": "production/DataLake",
			"properties": map[string]any{"templateFile": "productionDataLakeX.template.json"}},
	}})
	writeJSON(filepath.Join(head, "assembly-production", "productionDataLakeX.template.json"), changed)

	r, err := Run(base, head, protected, filepath.Join(base, "none.yaml"))
	require.NoError(t, err)
	require.Len(t, r.Blocking, 1)
	assert.Equal(t, "DataKey", r.Blocking[0].LogicalID)
	assert.Contains(t, r.Report(), "BLOCKED: production/DataLake DataKey (AWS::KMS::Key) would be deleted")

	_, err = Run(base, head, []string{"prod"}, "")
	assert.EqualError(t, err, "base "+base+" has no stack of stages prod")
}

// withReader adds an output of the bronze bucket's name to production's DataLake and a stack
// that reads it by Fn::GetStackOutput, as the app's stacks read each other.
func withReader(tpls Templates, bucketRef string) Templates {
	lake := tpls["production/DataLake"]
	lake.Outputs = map[string]Output{"BronzeName": {Value: map[string]any{"Ref": bucketRef}}}
	tpls["production/DataLake"] = lake
	tpls["production/Cdc"] = Template{Resources: map[string]Resource{
		"TargetEndpoint": {Type: "AWS::DMS::Endpoint", Properties: map[string]any{"S3Settings": map[string]any{
			"BucketName": map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "production-DataLake", "OutputName": "BronzeName"}},
		}}},
	}}
	return tpls
}

func TestAChangedOutputThatAnotherStackReadsFails(t *testing.T) {
	got := Check(withReader(app(), "BronzeBucketFF082204"), withReader(app(), "DataKey"), protected)
	require.Len(t, got, 1)
	assert.Equal(t, "production/DataLake BronzeName (output) would be changed under its readers: its value changes, and production/Cdc TargetEndpoint reads it through "+
		"Fn::GetStackOutput, which CloudFormation does not re-read: deploy production/Cdc again after production/DataLake, or replace the reference", got[0].String())
	// Allowed by name, like a resource.
	blocking, allowed, _ := Apply(got, []Allowance{{Stage: "production", Stack: "DataLake", LogicalID: "BronzeName", Reason: "Cdc redeployed in the same change"}})
	assert.Empty(t, blocking)
	assert.Len(t, allowed, 1)
}

func TestAnUnchangedOrUnreadOutputPasses(t *testing.T) {
	assert.Empty(t, Check(withReader(app(), "BronzeBucketFF082204"), withReader(app(), "BronzeBucketFF082204"), protected))
	head := app()
	lake := head["production/DataLake"]
	lake.Outputs = map[string]Output{"Unread": {Value: "new"}}
	head["production/DataLake"] = lake
	base := app()
	baseLake := base["production/DataLake"]
	baseLake.Outputs = map[string]Output{"Unread": {Value: "old"}}
	base["production/DataLake"] = baseLake
	assert.Empty(t, Check(base, head, protected), "nothing reads it")
}

// TestAResourceReplacedUnderAReadOutputFails uses the committed templates: CDK names each
// weak-reference output after its resource, so what changes a read value is that resource
// replaced under the same logical ID, here the database's security group given a new
// description (which replaces it), read by the Cdc stack.
func TestAResourceReplacedUnderAReadOutputFails(t *testing.T) {
	base, err := Load(filepath.Join("..", "test", "testdata"))
	require.NoError(t, err)
	head, err := Load(filepath.Join("..", "test", "testdata"))
	require.NoError(t, err)
	require.Empty(t, Check(base, head, protected), "the committed templates against themselves")
	db := head["production/Database"]
	var sgID string
	for id, r := range db.Resources {
		if r.Type == "AWS::EC2::SecurityGroup" && strings.HasPrefix(id, "SecurityGroup") {
			sgID = id
			r.Properties["GroupDescription"] = "renamed"
		}
	}
	require.NotEmpty(t, sgID)
	got := Check(base, head, protected)
	require.NotEmpty(t, got)
	for _, f := range got {
		assert.Equal(t, "production/Database", f.Key)
		assert.Equal(t, "output", f.Type)
		assert.Contains(t, f.Why, "its resource "+sgID+" (AWS::EC2::SecurityGroup) would be replaced (GroupDescription changes)")
		assert.Contains(t, f.Why, "production/Cdc")
	}
}
