package stacks

import (
	"fmt"

	"dataplatform/config"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// newStorageCredentialRole creates the IAM role of the environment's Unity Catalog storage
// credential (docs/unity-catalog.md). Its trust is Databricks' as documented for a storage
// credential: Unity Catalog's master role with sts:ExternalId = the credential's external ID,
// and the role itself. A role cannot name its own ARN in CloudFormation (it does not exist
// yet), so, as Databricks' own tooling does, the self-trust names the account root with
// aws:PrincipalArn on the role's name-derived ARN. While config's external ID is "pending" the
// master role is not trusted at all: nobody outside the account can assume the role, and the
// account's principals only as the role itself.
//
// Its rights are the lake's, by hand rather than by the buckets' Grant* methods: those would
// also grant the data-lake key without the kms:ViaService condition that limits it to S3.
func newStorageCredentialRole(stack awscdk.Stack, env config.Environment, props *DatabricksStackProps) awsiam.Role {
	name := env.UnityCatalogRoleName()
	// Literal ARNs: the master role exists in AWS's commercial partition only, as do the
	// regions config accepts.
	self := fmt.Sprintf("arn:aws:iam::%s:role/%s", env.Account, name)
	root := awsiam.NewArnPrincipal(jsii.String(fmt.Sprintf("arn:aws:iam::%s:root", env.Account)))
	// Trusted: the role itself (Databricks validates a credential so), and once the credential
	// exists, Unity Catalog's master role with the credential's external ID.
	trusted := []awsiam.IPrincipal{root.WithConditions(&map[string]any{
		"ArnLike": map[string]any{"aws:PrincipalArn": self},
	})}
	if id := env.Databricks.UnityCatalog.ExternalID; id != config.UnityCatalogPending {
		trusted = append(trusted, awsiam.NewArnPrincipal(jsii.String(config.UnityCatalogMasterRole)).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"sts:ExternalId": id},
		}))
	}
	role := awsiam.NewRole(stack, jsii.String("StorageCredentialRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(name),
		AssumedBy:   awsiam.NewCompositePrincipal(trusted...),
		Description: jsii.String("Unity Catalog storage credential of " + env.Name + ": read bronze, read and write silver and gold"),
	})

	read := []string{"s3:GetObject", "s3:GetObjectVersion"}
	write := []string{"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
	locate := []string{"s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"}
	buckets := []struct {
		bucket awss3.IBucket
		write  bool
	}{{props.Bronze, false}, {props.Silver, true}, {props.Gold, true}}
	applies := []any{"Action::kms:GenerateDataKey*"}
	var arns []*string
	for _, b := range buckets {
		arns = append(arns, b.bucket.BucketArn())
		actions := read
		if b.write {
			actions = append(append([]string{}, read...), write...)
		}
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: &[]*string{b.bucket.ArnForObjects(jsii.String("*"))},
		}))
		applies = append(applies, fmt.Sprintf("Resource::%s/*", nagBucketArn(b.bucket)))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("LocateBuckets"), Actions: jsii.Strings(locate...), Resources: &arns,
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DataLakeKeyThroughS3"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"),
		Resources: &[]*string{props.DataKey.KeyArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", env.Region)},
		},
	}))
	// Databricks validates a credential by the role assuming itself.
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("AssumeItself"), Actions: jsii.Strings("sts:AssumeRole"), Resources: jsii.Strings(self),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("A storage credential serves external locations over whole layer buckets (bronze read, silver and gold " +
			"read and write), so its object rights are per bucket; GenerateDataKey* covers the variants S3 asks for, on the " +
			"data-lake key only and only through S3."),
		AppliesTo: &applies,
	}}, jsii.Bool(true))
	return role
}
