package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Catalog configures the Glue Data Catalog over the lake: the bronze crawlers and their logs.
type Catalog struct {
	// CrawlerSchedules maps every crawler family (CrawlerFamilies) to a Glue cron expression,
	// e.g. cron(15 2 * * ? *), in UTC; "" leaves the crawler on demand (Airflow starts it).
	CrawlerSchedules map[string]string
	// CrawlerLogRetentionDays keeps the crawlers' CloudWatch logs this long; a CloudWatch Logs retention value.
	CrawlerLogRetentionDays int
}

// databaseNamePattern is what Glue and Athena both accept as a database name.
var databaseNamePattern = regexp.MustCompile(`^[a-z0-9_]{1,255}$`)

var catalogRules = rules[Environment]{
	{Field: "catalog.crawlerSchedules", Allowed: fmt.Sprintf("must have one entry per crawler family %v (\"\" for on demand)", sortedCrawlerFamilies()),
		check: func(f field, e Environment) {
			families := slices.Sorted(maps.Keys(e.Catalog.CrawlerSchedules))
			f.check(slices.Equal(families, sortedCrawlerFamilies()), families)
		}},
	eachKey(rules[keyed[string]]{
		{Field: "catalog.crawlerSchedules[]", Allowed: `must be "" (on demand) or ` + cronSyntax + `, at most every 5 minutes`,
			check: func(f field, s keyed[string]) {
				if s.value == "" {
					return
				}
				problem := cronProblem(s.value)
				f.checkf(problem == "", s.value, "%s", problem)
			}},
	}, func(e Environment) map[string]string { return e.Catalog.CrawlerSchedules }),
	{Field: "catalog.crawlerLogRetentionDays", Allowed: logRetentionAllowed, check: func(f field, e Environment) {
		f.check(slices.Contains(LogRetentionDays, e.Catalog.CrawlerLogRetentionDays), e.Catalog.CrawlerLogRetentionDays)
	}},
}

// sortedCrawlerFamilies are CrawlerFamilies in the order of the schedules' sorted keys.
func sortedCrawlerFamilies() []string {
	return slices.Sorted(slices.Values(CrawlerFamilies))
}

// databaseNamesRule proves that every Glue database name the stacks derive is legal. Today a
// valid environment name always makes valid database names, so this only speaks when
// DatabaseName or the name rule changes; an invalid name has already been reported.
var databaseNamesRule = rule[Environment]{
	Field:   "name",
	Allowed: "must make Glue database names <env>_<layer> that Glue and Athena allow: 1-255 lowercase letters, digits and underscores",
	check: func(f field, e Environment) {
		if !envNamePattern.MatchString(e.Name) {
			return
		}
		for _, layer := range []string{LayerBronze, LayerSilver, LayerGold} {
			if !checkDatabaseName(f.v, e.Name, e.DatabaseName(layer)) {
				return
			}
		}
	},
}

// checkDatabaseName reports, against the environment's name, a database name Glue would refuse.
func checkDatabaseName(v *validator, envName, database string) bool {
	return field{v: v, name: "name"}.checkf(databaseNamePattern.MatchString(database), envName,
		"makes Glue database name %s invalid: Glue and Athena allow 1-255 lowercase letters, digits and underscores", database)
}

// cronField is one field of a Glue cron expression: its name, its range and the special
// characters it allows besides , - * /.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i (JAN=1, SUN=1)
	special  string   // extra characters: ? L W #
}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, special: "?LW"},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, special: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

// cronSyntax is the hint every cron message ends with.
const cronSyntax = "cron(minutes hours day-of-month month day-of-week year) in UTC, such as cron(15 2 * * ? *)"

// cronProblem returns what is wrong with a Glue cron expression, or "" when Glue accepts it.
// Rules: https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html
func cronProblem(expr string) string {
	inner, prefixed := strings.CutPrefix(expr, "cron(")
	inner, suffixed := strings.CutSuffix(inner, ")")
	if !prefixed || !suffixed {
		return "must be " + cronSyntax
	}
	parts := strings.Fields(inner)
	if len(parts) != len(cronFields) {
		return fmt.Sprintf("has %d fields, Glue needs 6: %s", len(parts), cronSyntax)
	}
	var minutes []int
	for i, f := range cronFields {
		values, ok := f.parse(parts[i])
		if !ok {
			return fmt.Sprintf("has an invalid %s field %q: values %d-%d%s with , - * /%s", f.name, parts[i], f.min, f.max, f.nameHint(), f.specialHint())
		}
		if i == 0 {
			minutes = values
		}
	}
	if (parts[2] == "?") == (parts[4] == "?") {
		return "must use ? in exactly one of day-of-month and day-of-week: " + cronSyntax
	}
	if gap := smallestGap(minutes, 60); gap < 5 {
		return fmt.Sprintf("runs every %d minutes at times; Glue schedules run at most every 5 minutes", gap)
	}
	return ""
}

// parse expands a field into the values it selects; special days (?, L, W, #) select none.
func (f cronField) parse(field string) ([]int, bool) {
	if field == "?" {
		return nil, strings.Contains(f.special, "?")
	}
	var all []int
	for _, item := range strings.Split(field, ",") {
		values, ok := f.parseItem(item)
		if !ok {
			return nil, false
		}
		all = append(all, values...)
	}
	slices.Sort(all)
	return slices.Compact(all), true
}

var (
	lastWeekdayPattern = regexp.MustCompile(`^([0-9]{1,2})W$`)
	lastDayOfWeek      = regexp.MustCompile(`^([1-7])L$`)
	nthDayOfWeek       = regexp.MustCompile(`^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)#([1-5])$`)
)

// parseItem expands one comma-separated item: *, v, a-b, with an optional /step, or a
// special day of month or week.
func (f cronField) parseItem(item string) ([]int, bool) {
	switch {
	case item == "L" && strings.Contains(f.special, "L"):
		return nil, true
	case strings.Contains(f.special, "W") && lastWeekdayPattern.MatchString(item):
		n, _ := strconv.Atoi(lastWeekdayPattern.FindStringSubmatch(item)[1])
		return nil, n >= f.min && n <= f.max
	case strings.Contains(f.special, "#") && (lastDayOfWeek.MatchString(item) || nthDayOfWeek.MatchString(item)):
		return nil, true
	}
	base, stepText, stepped := strings.Cut(item, "/")
	step := 1
	if stepped {
		var err error
		if step, err = strconv.Atoi(stepText); err != nil || step < 1 || step > f.max {
			return nil, false
		}
	}
	from, to := f.min, f.max
	switch lo, hi, isRange := strings.Cut(base, "-"); {
	case base == "*":
	case isRange:
		var okLo, okHi bool
		from, okLo = f.value(lo)
		to, okHi = f.value(hi)
		if !okLo || !okHi || from > to {
			return nil, false
		}
	default:
		var ok bool
		if from, ok = f.value(base); !ok {
			return nil, false
		}
		if !stepped {
			to = from // a single value; v/step runs from v to the end of the range
		}
	}
	var values []int
	for n := from; n <= to; n += step {
		values = append(values, n)
	}
	return values, true
}

// value reads one number or name of the field.
func (f cronField) value(s string) (int, bool) {
	if i := slices.Index(f.names, s); i >= 0 {
		return f.min + i, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= f.min && n <= f.max && s == strconv.Itoa(n)
}

func (f cronField) nameHint() string {
	if len(f.names) == 0 {
		return ""
	}
	return " or " + f.names[0] + "-" + f.names[len(f.names)-1]
}

func (f cronField) specialHint() string {
	if f.special == "" {
		return ""
	}
	return " " + strings.Join(strings.Split(f.special, ""), " ")
}

// smallestGap is the shortest distance between two selected values, counting the wrap from
// the last value of one period (hour) to the first of the next.
func smallestGap(values []int, period int) int {
	if len(values) < 2 {
		return period
	}
	gap := values[0] + period - values[len(values)-1]
	for i := 1; i < len(values); i++ {
		gap = min(gap, values[i]-values[i-1])
	}
	return gap
}
