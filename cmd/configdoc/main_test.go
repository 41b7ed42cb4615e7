package main

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dataplatform/config"
)

// realSources are config's own inputs, with the doc comments of its source.
func realSources(t *testing.T) sources {
	t.Helper()
	dir, err := configDir()
	require.NoError(t, err)
	d, err := parseDocs(dir)
	require.NoError(t, err)
	return configSources(d)
}

func TestPageIsCurrent(t *testing.T) {
	dir, err := configDir()
	require.NoError(t, err)
	committed, err := os.ReadFile(filepath.Join(dir, "..", "docs", "configuration.md"))
	require.NoError(t, err, "docs/configuration.md is stale: run make generate")
	fresh, err := generate("")
	require.NoError(t, err)
	if fresh != string(committed) {
		t.Fatalf("docs/configuration.md is stale: run make generate\n%s", firstDifference(string(committed), fresh))
	}
}

// firstDifference shows the first line where the committed page and a fresh one differ.
func firstDifference(committed, fresh string) string {
	a, b := strings.Split(committed, "\n"), strings.Split(fresh, "\n")
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("first difference, line %d:\n  committed: %s\n  generated: %s", i+1, x, y)
		}
	}
	return ""
}

// TestEverySettingIsDocumentedAndChecked: a field reachable from Environment needs a doc
// comment and a rule (or a reason in config.Unchecked), and every rule and Unchecked entry
// must name a field, so a new field without a line, or a rule left behind by a rename, fails.
func TestEverySettingIsDocumentedAndChecked(t *testing.T) {
	assert.Empty(t, realSources(t).problems())
}

// TestEverySettingHasARow checks the page itself: a table row per setting, a section per part.
func TestEverySettingHasARow(t *testing.T) {
	src := realSources(t)
	ref, err := src.build()
	require.NoError(t, err)
	md := ref.markdown()
	all := settings(src.root)
	require.Greater(t, len(all), 100)
	for _, s := range all {
		if s.group && s.section() == s.name {
			assert.Contains(t, md, "\n## "+s.name+"\n", "section %s", s.name)
		} else {
			assert.Contains(t, md, "\n| `"+s.name+"` | ", "row %s", s.name)
		}
	}
	// Every rule's field, with its allowed text, shows in its setting's row.
	for _, r := range src.rules {
		name := strings.TrimSuffix(r.Field, "[]")
		row := rowOf(md, name)
		require.NotEmpty(t, row, "no row for %s", r.Field)
		assert.Contains(t, row, text(r.Allowed), "row %s", name)
	}
}

func rowOf(md, name string) string {
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(line, "| `"+name+"` | ") {
			return line
		}
	}
	return ""
}

// fake stands in for config.Environment in the tests of problems: its comments are parsed
// from this file.
type fake struct {
	// Checked is what a well-kept setting looks like.
	Checked      string
	Undocumented int
	// Part is a group of settings.
	Part fakePart
	// Items are a list of groups.
	Items []fakePart
}

type fakePart struct {
	// FirstMask and SecondMask share this comment, as Go code often does.
	FirstMask  int
	SecondMask int
	// Free is listed as unchecked.
	Free bool
	ID   string `config:"id"`
}

// fakeSources are fake's settings with rules for some of them.
func fakeSources(t *testing.T, rules ...config.Rule) sources {
	t.Helper()
	d := docs{}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "main_test.go", nil, parser.ParseComments)
	require.NoError(t, err)
	d.add(fset, file)
	return sources{root: reflect.TypeFor[fake](), docs: d, rules: rules, unchecked: map[string]string{"part.free": "any", "items[].free": "any"}}
}

func TestProblemsFindASettingWithoutADocOrARule(t *testing.T) {
	src := fakeSources(t,
		config.Rule{Field: "checked", Allowed: "must be set"},
		config.Rule{Field: "part.firstMask", Allowed: "must be small"},
		config.Rule{Field: "part.secondMask", Allowed: "must be small"},
		config.Rule{Field: "items[]", Allowed: "must not repeat"},
		config.Rule{Field: "items[].firstMask", Allowed: "must be small"},
		config.Rule{Field: "items[].secondMask", Allowed: "must be small"},
	)
	assert.Equal(t, []string{
		"undocumented: fake.Undocumented has no doc comment: say what it means",
		"undocumented: no validation rule checks it: add one, or list it in config.Unchecked with the reason",
		"part.id: fakePart.ID has no doc comment: say what it means",
		"part.id: no validation rule checks it: add one, or list it in config.Unchecked with the reason",
		"items[].id: fakePart.ID has no doc comment: say what it means",
		"items[].id: no validation rule checks it: add one, or list it in config.Unchecked with the reason",
	}, src.problems())
	_, err := src.build()
	assert.ErrorContains(t, err, "the configuration reference is incomplete:\nundocumented: fake.Undocumented has no doc comment")
}

func TestProblemsFindAStaleRule(t *testing.T) {
	src := fakeSources(t, config.Rule{Field: "part.firstmask", Allowed: "must be small"}, config.Rule{Field: "checked[]", Allowed: "x"})
	src.unchecked["gone"] = "removed long ago"
	problems := src.problems()
	assert.Contains(t, problems, "a rule checks part.firstmask, which is no setting of config.Environment (a `config:\"name\"` tag names a field otherwise)")
	assert.Contains(t, problems, "a rule checks checked[], which is no setting of config.Environment (a `config:\"name\"` tag names a field otherwise)")
	assert.Contains(t, problems, "config.Unchecked lists gone, which is no setting of config.Environment")
}

func TestGroupedCommentDocumentsTheFieldsItNames(t *testing.T) {
	d := fakeSources(t).docs
	assert.Equal(t, "FirstMask and SecondMask share this comment, as Go code often does.", d["fakePart"]["SecondMask"])
	assert.Equal(t, "Free is listed as unchecked.", d["fakePart"]["Free"])
	assert.Empty(t, d["fakePart"]["ID"], "the comment above names another field")
	assert.Empty(t, d["fake"]["Undocumented"])
}

func TestSettingNames(t *testing.T) {
	for goName, want := range map[string]string{
		"Name": "name", "CIDR": "cidr", "NATGateways": "natGateways", "S3ServerErrors": "s3ServerErrors",
		"MultiAZ": "multiAZ", "AllowedCIDRs": "allowedCIDRs", "GitHub": "gitHub", "IAMAuthentication": "iamAuthentication",
	} {
		assert.Equal(t, want, settingName(reflect.StructField{Name: goName}), goName)
	}
	assert.Equal(t, "accountId", settingName(reflect.StructField{Name: "AccountID", Tag: `config:"accountId"`}))
}

func TestValues(t *testing.T) {
	src := realSources(t)
	staging := src.envs[1]
	value := func(name string) string {
		for _, s := range settings(src.root) {
			if s.name == name {
				return s.value(staging)
			}
		}
		t.Fatalf("no setting %s", name)
		return ""
	}
	assert.Equal(t, "cost-center=data, environment=staging, project=dataplatform", value("tags"))
	// Lists of lists: the streams' column names, each stream's joined, the streams by "; ".
	var names, columns []string
	for _, s := range config.DeclaredStreams() {
		names = append(names, s.Name)
		var own []string
		for _, c := range s.Columns {
			own = append(own, c.Name)
		}
		columns = append(columns, strings.Join(own, ", "))
	}
	assert.Equal(t, strings.Join(names, ", "), value("streaming.streams[].name"))
	assert.Equal(t, strings.Join(columns, "; "), value("streaming.streams[].columns[].name"))
	assert.Equal(t, "analysts=10737418240, dbt=107374182400", value("analytics.workgroups[].bytesScannedCutoffPerQuery"))
	assert.Equal(t, "analysts, dbt", value("analytics.workgroups"))
	assert.Equal(t, "1 entry", value("cdc.include"))
	assert.Equal(t, "us-east-1a, us-east-1b", value("availabilityZones"))
	assert.Equal(t, "", value("dataLake.bronze"))
	assert.Equal(t, none, value("database.allowedCIDRs"))
	assert.Equal(t, "`a\\|b`", valueCell("a|b"))
	assert.Equal(t, maxValue+2, len([]rune(valueCell(strings.Repeat("x", 200)))))
}

// TestUnsetPointersShowNone: an override's field left unset shows as none, a set one as its value.
func TestUnsetPointersShowNone(t *testing.T) {
	assert.Equal(t, none, leaf(reflect.ValueOf((*int)(nil))))
	assert.Equal(t, "2", leaf(reflect.ValueOf(new(2))))
	assert.Equal(t, "json", leaf(reflect.ValueOf(new(config.FormatJSON))))
}

// TestResolvedSettingsShowTheRulesOfWhatTheyBecome: a setting that becomes another
// (config.ResolvedInto) is checked by that one's rules, which its row shows; a mapping that
// names no setting is a problem.
func TestResolvedSettingsShowTheRulesOfWhatTheyBecome(t *testing.T) {
	rules := []config.Rule{
		{Field: "checked", Allowed: "must be set"},
		{Field: "items[].firstMask", Allowed: "must be small"},
		{Field: "items[].secondMask", Allowed: "must be small"},
		{Field: "items[].id", Allowed: "must be an ID"},
		{Field: "items[].firstMask", Allowed: "must be declared", File: "config/sources/x.yaml"},
	}
	src := fakeSources(t, rules...)
	src.resolved = map[string]string{"part": "items[]"}
	for _, s := range settings(src.root) {
		switch s.name {
		case "part.firstMask":
			assert.Equal(t, []string{"as items[].firstMask: must be small"}, src.allowed(s), "a declaration's rule is not the resolved setting's")
		case "items[].firstMask":
			assert.Equal(t, []string{"must be small", "config/sources/x.yaml: must be declared"}, src.allowed(s))
		}
	}
	assert.NotContains(t, strings.Join(src.problems(), "\n"), "part.firstMask")
	src.resolved = map[string]string{"part": "things[]"}
	assert.Contains(t, src.problems(), "config.ResolvedInto maps part to things[]: both must be settings of config.Environment")
}

func TestTextEscapesMarkup(t *testing.T) {
	assert.Equal(t, `cron(0 6 \* \* ? \*) for \<prefix\>-\<env\>, STANDARD_IA, \_ or $, a\|b`,
		text("cron(0 6 * * ? *) for <prefix>-<env>, STANDARD_IA, _ or $, a|b"))
}

func TestRunWritesTheFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "configuration.md")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"-o", out}, &stdout, &stderr), stderr.String())
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(written), "# Configuration reference\n"))
	assert.Empty(t, stdout.String())
	assert.Equal(t, 1, run([]string{"-config", t.TempDir()}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "configdoc: no struct types in")
}
