package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// FieldError is one invalid setting: the environment, the field, its value and what is allowed.
type FieldError struct {
	// Env is the environment's name, or for a declaration its file, kind and name
	// ("config/sources/streams.yaml: stream clicks").
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

// Validate checks the declared sources, then every environment, and returns Errors, or nil
// when all are valid. Environments are judged only against valid declarations: a problem of a
// declaration is reported once, in its file's terms, not again in every environment that
// runs it.
func Validate(envs ...Environment) error {
	return validate(committedDeclarations(), SourceTables(), envs)
}

// validate checks the declarations d, against the database's tables, then envs.
func validate(d declarations, tables []SourceTable, envs []Environment) error {
	if errs := d.validate(reservedIn(envs), tables); len(errs) > 0 {
		return errs
	}
	v := &validator{}
	for i, e := range envs {
		v.env = e.Name
		uniqueAcrossEnvironments.run(v, nil, peer{e, envs[:i]})
		sharedAccountRules.run(v, nil, sharing{e, e.AccountPeers(envs)})
		environmentRules.run(v, nil, e)
	}
	for i, e := range envs {
		v.env = e.Name
		sameAcrossEnvironments.run(v, nil, peer{e, envs[:i]})
	}
	if len(v.errs) > 0 {
		return v.errs
	}
	return nil
}

// reservedIn are the columns the jobs add in any of envs: a declaration serves them all.
func reservedIn(envs []Environment) []string {
	var out []string
	for _, e := range append([]Environment{{}}, envs...) {
		for _, c := range e.ReservedColumns() {
			if c != "" && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// environmentRules are every rule of one environment, one group per part, so that a rule that
// stops its list stops only its part's. Their order is the order of the messages, which the
// tests pin.
var environmentRules = rules[Environment]{
	group(settingRules), group(networkRules), group(dataLakeRules), group(monitoringRules), group(budgetRules), group(gitHubRules),
	group(databricksRules), group(streamingRules), group(catalogRules), group(analyticsRules), group(databaseRules),
	group(cdcRules), group(identifierRules), group(airflowRules), group(silverRules), group(warehouseRules),
	group(smokeRules),
}

// peer is an environment with those Validate was given before it, for the rules that compare
// environments.
type peer struct {
	Environment
	before []Environment
}

// uniqueAcrossEnvironments run before an environment's own rules: what it must not share with
// an earlier environment.
var uniqueAcrossEnvironments = rules[peer]{
	{Field: "name", Allowed: "must be unique across environments", check: func(f field, p peer) {
		i := slices.IndexFunc(p.before, func(o Environment) bool { return o.Name == p.Name })
		if i >= 0 && p.Source != "" && p.before[i].Source != "" {
			f.checkf(false, p.Name, "must be unique across environments: %s and %s both name it", p.before[i].Source, p.Source)
			return
		}
		f.check(i < 0, p.Name)
	}},
}

// sameAcrossEnvironments run after every environment's own rules: what must be the same in
// every environment as in the first.
var sameAcrossEnvironments = rules[peer]{
	{Field: "airflow.version", Allowed: "must be the same in every environment: one DAG lock and requirements.txt serve them all",
		check: func(f field, p peer) {
			if len(p.before) == 0 {
				return
			}
			first := p.before[0]
			f.checkf(p.Airflow.Version == first.Airflow.Version, p.Airflow.Version,
				"must be the same in every environment (%s runs %s): one DAG lock and requirements.txt serve them all", first.Name, first.Airflow.Version)
		}},
}

var (
	envNamePattern = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	prefixPattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,18}[a-z0-9]$`)
	tagKeyPattern  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	// IAM's pattern for tag values; 256 counts characters, not bytes.
	tagValuePattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
)

// settingRules check the settings of Environment itself, and the names derived from them.
var settingRules = slices.Concat(
	rules[Environment]{
		{Field: "name", Allowed: "must be 2-16 lowercase letters or digits, starting with a letter", check: func(f field, e Environment) {
			f.check(envNamePattern.MatchString(e.Name), e.Name)
		}},
		{Field: "account", Allowed: "must be a 12-digit AWS account ID", check: func(f field, e Environment) {
			f.check(accountPattern.MatchString(e.Account), e.Account)
		}},
		{Field: "region", Allowed: "must be an AWS region CDK knows (config.Regions), such as us-east-1", check: func(f field, e Environment) {
			f.check(slices.Contains(Regions, e.Region), e.Region)
		}},
		{Field: "prefix", Allowed: "must be 2-20 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
			check: func(f field, e Environment) { f.check(prefixPattern.MatchString(e.Prefix), e.Prefix) }},
		{Field: "removal", Allowed: `must be "destroy" or "retain"`, check: func(f field, e Environment) {
			f.check(e.Removal == RemovalDestroy || e.Removal == RemovalRetain, string(e.Removal))
		}},
		{Field: "removal", Allowed: `must be "retain" when terminationProtection is on: a protected environment never destroys its data`,
			check: func(f field, e Environment) {
				f.check(!(e.TerminationProtection && e.Removal == RemovalDestroy), string(e.Removal))
			}},
	},
	zoneRules("availabilityZones", func(e Environment) []string { return e.AvailabilityZones }),
	rules[Environment]{
		eachKey(rules[keyed[string]]{
			{Field: "tags[]", Allowed: "tag keys must be 1-128 letters, digits, spaces or _.:/=+-@ and must not start with aws:", check: func(f field, t keyed[string]) {
				f.check(tagKeyPattern.MatchString(t.key) && !strings.HasPrefix(strings.ToLower(t.key), "aws:"), t.key)
			}},
			// The stage tags every IAM role, and IAM refuses characters other AWS services allow.
			{Field: "tags[]", Allowed: "tag values must be at most 256 letters, digits, spaces or _.:/=+-@ (what IAM accepts)", check: func(f field, t keyed[string]) {
				f.check(tagValuePattern.MatchString(t.value), t.value)
			}},
		}, func(e Environment) map[string]string { return e.Tags }),
		bucketNamesRule,
		databaseNamesRule,
	},
)

// zone is an availability zone and the region it must belong to.
type zone struct{ name, region string }

// zoneRules check, at name, a list of 2 to 6 distinct zones of the environment's region.
func zoneRules(name string, get func(Environment) []string) rules[Environment] {
	return rules[Environment]{
		{Field: name, Allowed: "must name 2 to 6 availability zones", check: func(f field, e Environment) {
			azs := get(e)
			f.check(len(azs) >= 2 && len(azs) <= 6, azs)
		}},
		each(rules[listed[zone]]{
			{Field: name + "[]", Allowed: "must be a zone of the environment's region (<region>a, <region>b, ...)", check: func(f field, z listed[zone]) {
				az, region := z.value.name, z.value.region
				f.checkf(len(az) == len(region)+1 && strings.HasPrefix(az, region) && az[len(az)-1] >= 'a' && az[len(az)-1] <= 'z',
					az, "must be a zone of region %s (%sa, %sb, ...)", region, region, region)
			}},
			{Field: name + "[]", Allowed: "must not repeat another zone", check: func(f field, z listed[zone]) {
				f.check(!slices.Contains(z.earlier, z.value), z.value.name)
			}},
		}, func(e Environment) []zone {
			var zones []zone
			for _, az := range get(e) {
				zones = append(zones, zone{az, e.Region})
			}
			return zones
		}),
	}
}

// bucketNamesRule proves that every bucket name the stacks derive is a legal S3 name.
var bucketNamesRule = rule[Environment]{
	Field:   "prefix",
	Allowed: "must keep every bucket name, <prefix>-<env>-<purpose>-<account>-<region>, within S3's 63 characters",
	check: func(f field, e Environment) {
		for _, purpose := range bucketPurposes {
			if name := e.BucketName(purpose); len(name) > 63 {
				f.checkf(false, e.Prefix, "makes bucket name %s %d characters long; S3 allows 63: shorten prefix or name", name, len(name))
				return
			}
		}
	},
}

// identifierRules prove that the RDS and DMS identifiers derived from prefix and name are
// legal: both services refuse two consecutive hyphens, which prefix alone allows.
var identifierRules = rules[Environment]{
	{Field: "prefix", Allowed: "must make RDS and DMS identifiers <prefix>-<env>-<purpose> of at most 63 characters without two consecutive hyphens",
		check: func(f field, e Environment) {
			for _, id := range []string{e.DatabaseInstanceIdentifier(), e.ReplicationInstanceIdentifier(), e.ReplicationTaskIdentifier()} {
				if strings.Contains(id, "--") || len(id) > 63 {
					f.checkf(false, e.Prefix, "makes identifier %s illegal: RDS and DMS allow at most 63 characters and no two consecutive hyphens", id)
					return
				}
			}
		}},
}
