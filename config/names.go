package config

import "fmt"

// Bucket purposes: the middle part of every bucket name. A stack that adds a bucket adds its
// purpose here, so validation can prove every name fits S3's 63-character limit.
const (
	BucketBronze     = "bronze"
	BucketSilver     = "silver"
	BucketGold       = "gold"
	BucketAccessLogs = "access-logs"
)

var bucketPurposes = []string{BucketBronze, BucketSilver, BucketGold, BucketAccessLogs}

// BucketName is the globally unique name of one of the environment's buckets:
// <prefix>-<env>-<purpose>-<account>-<region>.
func (e Environment) BucketName(purpose string) string {
	return fmt.Sprintf("%s-%s-%s-%s-%s", e.Prefix, e.Name, purpose, e.Account, e.Region)
}

// ResourceName is the name of an account-unique, region-scoped resource (keys' aliases,
// log groups, streams): <prefix>-<env>-<purpose>.
func (e Environment) ResourceName(purpose string) string {
	return fmt.Sprintf("%s-%s-%s", e.Prefix, e.Name, purpose)
}
