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
	// File is the declaration file whose entries the rule checks (config/sources/...), where
	// the setting's value is declared; "" for a rule of the environments.
	File string
}

// Rules returns every validation rule, the declarations' and those across environments
// included, in the order Validate applies them. A field may have several rules. A declaration's
// rule is named after the setting its field becomes (streaming.streams[].eventTime for a
// stream's eventTime), with its File.
func Rules() []Rule {
	var declarations []Rule
	for _, d := range declarationRules {
		for _, r := range d.rules.describe() {
			declarations = append(declarations, Rule{Field: d.setting(r.Field), Allowed: r.Allowed, File: d.file})
		}
	}
	return slices.Concat(declarations, uniqueAcrossEnvironments.describe(), sharedAccountRules.describe(), environmentRules.describe(),
		sameAcrossEnvironments.describe())
}

// Unchecked names the settings no rule checks, with the reason. cmd/configdoc's test fails for
// a setting that has neither a rule nor a line here, so a new setting gets one or the other.
var Unchecked = map[string]string{
	"source":                                 "not a setting: All() records where each environment is defined",
	"terminationProtection":                  "on and off are both valid; removal must be retain when it is on",
	"databricks.enabled":                     "a switch: off leaves every other databricks setting unread and unchecked",
	"airflow.disabled":                       "a switch: on and off are both valid; network.natGateways's rules follow it (0 where MWAA is off, at least 1 where on)",
	"databricks.unityCatalog.enabled":        "a switch: on creates the storage credential's role; externalId's rule follows it",
	"database.iamAuthentication":             "on and off are both valid; the password keeps working either way",
	"silver.apiSources":                      "any number of sources, none too: every source of " + APISourcesFile,
	"silver.apiSources[].params":             "any query parameters, as text, none too",
	"silver.apiSources[].records":            "any key of the response's JSON object; \"\" when the body is the records",
	"silver.apiSources[].columns[].personal": "true or false, declared on the column in " + APISourcesFile,
	"streaming.streams[].columns[].personal": "true or false, declared on the column in " + StreamsFile,
	"smoke.writeSources":                     "on and off are both valid; off, the database and stream stages are not applicable",
}

// ResolvedInto names, for the settings that set other settings, the settings they become: an
// environment's stream defaults and overrides become each stream's, whose rules check them
// (streaming.defaults.mode is checked as streaming.streams[].mode). cmd/configdoc shows those
// rules in their rows.
var ResolvedInto = map[string]string{
	"streaming.defaults":    "streaming.streams[]",
	"streaming.overrides[]": "streaming.streams[]",
}
