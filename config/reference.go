package config

import "slices"

// Rule is one validation rule as the configuration reference (docs/configuration.md, made by
// cmd/configdoc) shows it.
type Rule struct {
	// Field is the dotted name FieldError reports, with [] for every index or key, e.g.
	// "streaming.streams[].name".
	Field string
	// Allowed is what the rule allows, in words that hold for every environment.
	Allowed string
}

// Rules returns every validation rule, those across environments included, in the order
// Validate applies them. A field may have several rules.
func Rules() []Rule {
	return slices.Concat(uniqueAcrossEnvironments.describe(), environmentRules.describe(), sameAcrossEnvironments.describe())
}

// Unchecked names the settings no rule checks, with the reason. cmd/configdoc's test fails for
// a setting that has neither a rule nor a line here, so a new setting gets one or the other.
var Unchecked = map[string]string{
	"source":                          "not a setting: All() records where each environment is defined",
	"terminationProtection":           "on and off are both valid; removal must be retain when it is on",
	"databricks.enabled":              "a switch: off leaves every other databricks setting unread and unchecked",
	"databricks.unityCatalog.enabled": "a switch: on creates the storage credential's role; externalId's rule follows it",
	"database.iamAuthentication":      "on and off are both valid; the password keeps working either way",
	"silver.apiSources":               "any number of sources, none too; a test checks they are the sources of dags/api_sources.json",
}
