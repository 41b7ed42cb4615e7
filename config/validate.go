package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// FieldError is one invalid setting: the environment, the field, its value and what is allowed.
type FieldError struct {
	Env     string
	Field   string
	Value   any
	Allowed string
}

func (e *FieldError) Error() string {
	value := fmt.Sprintf("%v", e.Value)
	if s, ok := e.Value.(string); ok {
		value = fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%s: %s %s: %s", e.Env, e.Field, value, e.Allowed)
}

// Errors is every problem found in a configuration, printed one per line.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// validator collects problems so that one run reports all of them, not just the first.
type validator struct {
	env  string
	errs Errors
}

// check records a problem unless ok.
func (v *validator) check(ok bool, field string, value any, allowed string) {
	if !ok {
		v.errs = append(v.errs, &FieldError{Env: v.env, Field: field, Value: value, Allowed: allowed})
	}
}

// Validate checks every environment and returns Errors, or nil when all are valid.
func Validate(envs ...Environment) error {
	v := &validator{}
	seen := map[string]bool{}
	for _, e := range envs {
		v.env = e.Name
		v.check(!seen[e.Name], "name", e.Name, "must be unique across environments")
		seen[e.Name] = true
		e.validate(v)
	}
	validateAcrossEnvironments(v, envs)
	if len(v.errs) > 0 {
		return v.errs
	}
	return nil
}

// validateAcrossEnvironments checks what must be the same in every environment.
func validateAcrossEnvironments(v *validator, envs []Environment) {
	for _, e := range envs[min(1, len(envs)):] {
		v.env = e.Name
		v.check(e.Airflow.Version == envs[0].Airflow.Version, "airflow.version", e.Airflow.Version,
			fmt.Sprintf("must be the same in every environment (%s runs %s): one DAG lock and requirements.txt serve them all", envs[0].Name, envs[0].Airflow.Version))
	}
}

var (
	envNamePattern = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	prefixPattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,18}[a-z0-9]$`)
	tagKeyPattern  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
)

func (e Environment) validate(v *validator) {
	v.check(envNamePattern.MatchString(e.Name), "name", e.Name, "must be 2-16 lowercase letters or digits, starting with a letter")
	v.check(accountPattern.MatchString(e.Account), "account", e.Account, "must be a 12-digit AWS account ID")
	v.check(regionPattern.MatchString(e.Region), "region", e.Region, "must be an AWS region code such as us-east-1")
	v.check(prefixPattern.MatchString(e.Prefix), "prefix", e.Prefix, "must be 2-20 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen")
	v.check(e.Removal == RemovalDestroy || e.Removal == RemovalRetain, "removal", string(e.Removal), `must be "destroy" or "retain"`)
	v.check(!(e.TerminationProtection && e.Removal == RemovalDestroy), "removal", string(e.Removal),
		`must be "retain" when terminationProtection is on: a protected environment never destroys its data`)
	e.validateAvailabilityZones(v)
	e.validateTags(v)
	e.validateBucketNames(v)
	e.validateDatabaseNames(v)
	e.Network.validate(v, len(e.AvailabilityZones))
	e.DataLake.validate(v)
	e.Monitoring.validate(v, e)
	e.GitHub.validate(v)
	e.Databricks.validate(v, e.Region, e.Network.CIDR)
	e.Streaming.validate(v, e)
	e.Catalog.validate(v)
	e.Analytics.validate(v)
	e.Database.validate(v, e.Removal, len(e.AvailabilityZones), ReplicationTasks)
	e.Cdc.validate(v, len(e.AvailabilityZones))
	e.validateIdentifiers(v)
	e.Airflow.validate(v)
}

func (e Environment) validateAvailabilityZones(v *validator) {
	validateZones(v, "availabilityZones", e.Region, e.AvailabilityZones)
}

// validateZones checks a list of 2 to 6 distinct zones of region, reported as field.
func validateZones(v *validator, field, region string, azs []string) {
	v.check(len(azs) >= 2 && len(azs) <= 6, field, azs, "must name 2 to 6 availability zones")
	for i, az := range azs {
		f := fmt.Sprintf("%s[%d]", field, i)
		v.check(len(az) == len(region)+1 && strings.HasPrefix(az, region) && az[len(az)-1] >= 'a' && az[len(az)-1] <= 'z',
			f, az, fmt.Sprintf("must be a zone of region %s (%sa, %sb, ...)", region, region, region))
		v.check(!slices.Contains(azs[:i], az), f, az, "must not repeat another zone")
	}
}

func (e Environment) validateTags(v *validator) {
	for _, k := range slices.Sorted(maps.Keys(e.Tags)) {
		field := fmt.Sprintf("tags[%q]", k)
		v.check(tagKeyPattern.MatchString(k) && !strings.HasPrefix(strings.ToLower(k), "aws:"), field, k,
			"tag keys must be 1-128 letters, digits, spaces or _.:/=+-@ and must not start with aws:")
		v.check(len(e.Tags[k]) <= 256, field, e.Tags[k], "tag values must be at most 256 characters")
	}
}

// validateBucketNames proves that every bucket name the stacks derive is a legal S3 name.
func (e Environment) validateBucketNames(v *validator) {
	for _, purpose := range bucketPurposes {
		name := e.BucketName(purpose)
		if len(name) > 63 {
			v.check(false, "prefix", e.Prefix, fmt.Sprintf("makes bucket name %s %d characters long; S3 allows 63: shorten prefix or name", name, len(name)))
			return
		}
	}
}

// validateIdentifiers proves that the RDS and DMS identifiers derived from prefix and name are
// legal: both services refuse two consecutive hyphens, which prefix alone allows.
func (e Environment) validateIdentifiers(v *validator) {
	for _, id := range []string{e.DatabaseInstanceIdentifier(), e.ReplicationInstanceIdentifier(), e.ReplicationTaskIdentifier()} {
		if strings.Contains(id, "--") || len(id) > 63 {
			v.check(false, "prefix", e.Prefix, fmt.Sprintf("makes identifier %s illegal: RDS and DMS allow at most 63 characters and no two consecutive hyphens", id))
			return
		}
	}
}
