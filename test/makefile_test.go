package test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// makefile is what the workflow tests read of the repository's Makefile: its variables, and
// each rule's prerequisites and recipe lines, with the Makefile's own variables expanded (make's
// functions and automatic variables are left as they are).
type makefile struct {
	vars    map[string]string
	prereqs map[string][]string
	recipes map[string][]string
}

var (
	makeAssignment = regexp.MustCompile(`^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::=|\?=|=)\s*(.*)$`)
	// A rule line: its targets before a single colon (not :=), its prerequisites after it.
	makeRuleLine = regexp.MustCompile(`^([^\s:=#][^:=#]*):([^=].*|)$`)
	makeVariable = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	// A recursive make in a recipe, and the arguments after it.
	subMake = regexp.MustCompile(`\$\(MAKE\)((?:[ \t]+[^\s;&|]+)+)`)
	// A go command in a recipe: it reads go.sum.
	goCommand = regexp.MustCompile(`(?:^|[;&|]\s*|\s)go (?:mod|run|test|vet|build|tool)\b`)
	// A Python project's locked environment, installed by the pattern rule %/.venv/.synced.
	venvStamp = regexp.MustCompile(`^([a-z]+)/\.venv/\.synced$`)
	// A recipe that runs a command as a suite of .ci/suite, and the name it gives.
	suiteRun = regexp.MustCompile(`\$\(SUITE\)\s+(\S+)`)
)

func readMakefile(t *testing.T) makefile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "Makefile"))
	require.NoError(t, err)
	return parseMakefile(string(raw))
}

func parseMakefile(text string) makefile {
	mk := makefile{vars: map[string]string{}, prereqs: map[string][]string{}, recipes: map[string][]string{}}
	var rule []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n") {
		if strings.HasPrefix(line, "\t") {
			for _, target := range rule {
				mk.recipes[target] = append(mk.recipes[target], strings.TrimSpace(line))
			}
			continue
		}
		rule = nil
		if m := makeAssignment.FindStringSubmatch(line); m != nil {
			mk.vars[m[1]] = strings.TrimSpace(m[2])
			continue
		}
		if m := makeRuleLine.FindStringSubmatch(line); m != nil {
			prereqs, _, _ := strings.Cut(m[2], "##")
			for _, target := range strings.Fields(m[1]) {
				rule = append(rule, target)
			}
			// Targets and prerequisites are expanded once the whole file is read.
			for _, target := range rule {
				mk.prereqs[target] = append(mk.prereqs[target], strings.Fields(prereqs)...)
			}
		}
	}
	expanded := map[string][]string{}
	for target, prereqs := range mk.prereqs {
		for _, name := range strings.Fields(mk.expand(target)) {
			for _, p := range prereqs {
				if p != "|" {
					expanded[name] = append(expanded[name], strings.Fields(mk.expand(p))...)
				}
			}
		}
	}
	mk.prereqs = expanded
	return mk
}

// expand replaces the Makefile's own variables in s, recursively.
func (mk makefile) expand(s string) string {
	for range 10 {
		next := makeVariable.ReplaceAllStringFunc(s, func(ref string) string {
			if v, ok := mk.vars[makeVariable.FindStringSubmatch(ref)[1]]; ok {
				return v
			}
			return ref
		})
		if next == s {
			return s
		}
		s = next
	}
	return s
}

// list is a variable's words, expanded; it must be set.
func (mk makefile) list(t *testing.T, name string) []string {
	t.Helper()
	v, ok := mk.vars[name]
	require.True(t, ok, "the Makefile sets no %s", name)
	return strings.Fields(mk.expand(v))
}

// timedAs is each name target's recipe runs a command under with $(SUITE): the parts
// .ci/suite times and bounds by their budgets.
func (mk makefile) timedAs(target string) []string {
	var names []string
	for _, line := range mk.recipes[target] {
		for _, m := range suiteRun.FindAllStringSubmatch(line, -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// isRule: the Makefile has a rule for target.
func (mk makefile) isRule(target string) bool {
	_, ok := mk.prereqs[target]
	return ok
}

// closure is every target that making targets makes: their prerequisites and the targets of
// each recursive $(MAKE) in their recipes, transitively.
func (mk makefile) closure(targets ...string) []string {
	seen := map[string]bool{}
	queue := slices.Clone(targets)
	for len(queue) > 0 {
		target := queue[0]
		queue = queue[1:]
		if seen[target] {
			continue
		}
		seen[target] = true
		queue = append(queue, mk.prereqs[target]...)
		for _, line := range mk.recipes[target] {
			for _, m := range subMake.FindAllStringSubmatch(mk.expand(line), -1) {
				queue = append(queue, makeGoals(m[1])...)
			}
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for target := range seen {
			if !yield(target) {
				return
			}
		}
	})
}

// makeGoals are the goals among make's arguments: not its flags, not VAR=value.
func makeGoals(args string) []string {
	var goals []string
	for _, arg := range strings.Fields(args) {
		if !strings.HasPrefix(arg, "-") && !strings.Contains(arg, "=") && !strings.ContainsAny(arg, "$\"'") {
			goals = append(goals, arg)
		}
	}
	return goals
}

// lockFiles are the lock files of what making targets installs: each Python project's
// uv.lock (the pattern rule %/.venv/.synced), package-lock.json for npm ci
// (node_modules/.installed), and go.sum for any recipe that runs the go command.
func (mk makefile) lockFiles(targets ...string) []string {
	locks := map[string]bool{}
	for _, target := range mk.closure(targets...) {
		if m := venvStamp.FindStringSubmatch(target); m != nil {
			locks[m[1]+"/uv.lock"] = true
		}
		if target == "node_modules/.installed" {
			locks["package-lock.json"] = true
		}
		for _, line := range mk.recipes[target] {
			if goCommand.MatchString(line) {
				locks["go.sum"] = true
			}
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for lock := range locks {
			if !yield(lock) {
				return
			}
		}
	})
}

// TestMakefileReader proves the reader on a Makefile of the same shapes as the repository's:
// lists built from lists, a recursive make, order-only prerequisites, the pattern rule's
// stamps, and a go command two rules down.
func TestMakefileReader(t *testing.T) {
	mk := parseMakefile(`A := a1 a2
ALL := $(A) b
UV := $(CURDIR)/.uv/bin/uv
all: deps $(A) sub ## the lot
sub: x/.venv/.synced | $(UV)
	$(MAKE) --no-print-directory -j2 \
	  $(ALL) V=1
deps: node_modules/.installed
	go mod download
a1: y/.venv/.synced
b:
	echo go away
`)
	require.Equal(t, []string{"a1", "a2", "b"}, strings.Fields(mk.expand("$(ALL)")))
	require.Equal(t, []string{"$(CURDIR)/.uv/bin/uv", "a1", "a2", "all", "b", "deps", "node_modules/.installed", "sub", "x/.venv/.synced", "y/.venv/.synced"}, mk.closure("all"))
	require.Equal(t, []string{"go.sum", "package-lock.json", "x/uv.lock", "y/uv.lock"}, mk.lockFiles("all"))
	require.Equal(t, []string{"y/uv.lock"}, mk.lockFiles("a1"))
	require.Equal(t, []string(nil), mk.lockFiles("b"), "echo go away runs no go command")
	require.True(t, mk.isRule("sub"))
	require.False(t, mk.isRule("a2"))
}
