package doclinks

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The commands a reader is told to type go stale the same way links do: a make target is
// renamed, a command loses a flag, and the docs keep naming the old one. This test reads every
// place that names a command (README, docs/, the Python projects' pyproject.toml, the
// workflows) and checks each `make <target>` against the Makefile's rules and each
// `go run ./cmd/<name> -<flag>` against the flags that command defines.

// commandSources are the files that name commands, as globs from the repository root.
var commandSources = []string{"README.md", "docs/*.md", "*/README.md", "*/pyproject.toml", ".github/workflows/*.yml"}

// TestDocCommands checks the repository's own documentation, project files and workflows.
func TestDocCommands(t *testing.T) {
	root := os.DirFS(repoRoot)
	files := globAll(t, root, commandSources)
	require.Contains(t, files, "README.md")

	checked, problems := checkCommands(root, files)
	// A scanner that found nothing would pass vacuously: README alone names a dozen targets.
	require.Greater(t, checked, 50, "commands found in %v", files)
	t.Logf("%d make targets and go run flags checked in %d files", checked, len(files))
	assert.Empty(t, problems, "commands the documentation names that do not exist:\n%s", strings.Join(problems, "\n"))
}

// TestCheckCommandsReportsMissing proves the checker can fail: a target the Makefile lacks,
// a command directory that does not exist and a flag the command does not define are each
// reported with file and line; pattern rules, variables, make's own flags and prose are not.
func TestCheckCommandsReportsMissing(t *testing.T) {
	root := fstest.MapFS{
		"Makefile":           {Data: []byte("test: deps ## all\n\ndeps:\n%/.venv/.synced: %/pyproject.toml\nX := 1\n")},
		"cmd/bundle/main.go": {Data: []byte(`out := flags.String("o", "", "file"); env := flags.String("env", "", "")`)},
		"README.md": {Data: []byte(strings.Join([]string{
			"Run `make test` and `make deps ENV=staging -j2`, then `make jobs/.venv/.synced`.", // 1
			"Make sure nothing breaks; make it fast.",                                          // 2
			"Broken: `make testt`.", // 3
			"```sh",                 // 4
			"make test deploy   # deploy is not a target",        // 5
			"go run ./cmd/bundle -env staging -o x.yml | grep y", // 6
			"go run ./cmd/bundle -unity-catalog staging",         // 7
			"go run ./cmd/nothing -env staging",                  // 8
			"```",                                                // 9
		}, "\n"))},
		"x/pyproject.toml": {Data: []byte("# from `go run ./cmd/bundle -speed s`\n# make sure of it\n")},
		"w.yml":            {Data: []byte("      - run: make test ENV=${{ matrix.environment }}\n")},
	}
	checked, problems := checkCommands(root, []string{"README.md", "x/pyproject.toml", "w.yml"})
	assert.Equal(t, []string{
		"README.md:3: make target testt is not a rule of the Makefile",
		"README.md:5: make target deploy is not a rule of the Makefile",
		"README.md:7: go run ./cmd/bundle: no flag -unity-catalog (it has -env, -o)",
		"README.md:8: go run ./cmd/nothing: no such command",
		"x/pyproject.toml:1: go run ./cmd/bundle: no flag -speed (it has -env, -o)",
	}, problems)
	assert.Equal(t, 15, checked)
}

func globAll(t *testing.T, root fs.FS, patterns []string) []string {
	t.Helper()
	var files []string
	for _, p := range patterns {
		matches, err := fs.Glob(root, p)
		require.NoError(t, err)
		for _, m := range matches {
			// The Python projects' virtual environments hold other people's READMEs.
			if !strings.Contains(m, ".venv/") && !strings.HasPrefix(m, "node_modules/") {
				files = append(files, m)
			}
		}
	}
	sort.Strings(files)
	return files
}

var (
	// A make command in a piece of code: `make` and its arguments, up to a shell operator or a
	// comment. `make` starts the code, follows a shell separator or a workflow's `run:`.
	makeCommand = regexp.MustCompile(`(?:^|[;&|(]|run:)\s*make((?:[ \t]+[^\s;&|#>]+)+)`)
	// A go run of one of the repository's commands and its arguments.
	goRunCommand = regexp.MustCompile(`go run \./cmd/([a-z]+)((?:[ \t]+[^\s;&|#>]+)*)`)
	// A workflow expression.
	expression = regexp.MustCompile(`\$\{\{[^}]*\}\}`)
	// Markdown's inline code, its text captured.
	codeText = regexp.MustCompile("`+([^`]+)`+")
	// A rule line of the Makefile: its targets before a single colon (not :=).
	makeRule = regexp.MustCompile(`^([^\s:=#][^:=#]*):(?:[^=]|$)`)
	// A flag a command defines on its FlagSet.
	flagDefinition = regexp.MustCompile(`flags\.\w+\("([^"]+)"`)
)

// checkCommands reads each file's commands and returns how many targets and flags it checked,
// and a "file:line: problem" for each that does not exist.
func checkCommands(root fs.FS, files []string) (int, []string) {
	rules := makeRules(root)
	checked := 0
	var problems []string
	for _, file := range files {
		data, err := fs.ReadFile(root, file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		for i, pieces := range codeLines(file, string(data)) {
			where := fmt.Sprintf("%s:%d", file, i+1)
			for _, code := range pieces {
				n, found := checkCode(root, rules, code)
				checked += n
				for _, problem := range found {
					problems = append(problems, where+": "+problem)
				}
			}
		}
	}
	return checked, problems
}

// checkCode checks the make and go run commands of one piece of code.
func checkCode(root fs.FS, rules rules, code string) (int, []string) {
	// What a workflow fills in is one word: ENV=${{ matrix.environment }}.
	code = expression.ReplaceAllString(code, "expression")
	checked := 0
	var problems []string
	for _, m := range makeCommand.FindAllStringSubmatch(code, -1) {
		for _, target := range makeTargets(m[1]) {
			checked++
			if !rules.has(target) {
				problems = append(problems, fmt.Sprintf("make target %s is not a rule of the Makefile", target))
			}
		}
	}
	for _, m := range goRunCommand.FindAllStringSubmatch(code, -1) {
		n, problem := checkGoRun(root, m[1], strings.Fields(m[2]))
		checked += n
		if problem != "" {
			problems = append(problems, problem)
		}
	}
	return checked, problems
}

// codeLines is the code of each line of a file, by line so that problems name the line: in Markdown the lines of fenced blocks and the inline code spans of the others (so
// that prose such as "make sure" is not read as a command); elsewhere (comments of
// pyproject.toml, workflows) the whole line, and its code spans on their own too.
func codeLines(file, text string) [][]string {
	lines := strings.Split(text, "\n")
	markdown := strings.HasSuffix(file, ".md")
	fenced := false
	code := make([][]string, len(lines))
	for i, line := range lines {
		if fence.MatchString(line) {
			fenced = !fenced
			continue
		}
		prose := markdown && !fenced
		var parts []string
		if comment, isComment := strings.CutPrefix(strings.TrimSpace(line), "#"); isComment && !markdown {
			prose, line = true, comment
		}
		if !prose {
			parts = append(parts, line)
		}
		if prose {
			for _, m := range codeText.FindAllStringSubmatch(line, -1) {
				parts = append(parts, m[1])
			}
		}
		code[i] = parts
	}
	return code
}

// makeTargets are the targets among make's arguments: not its flags, not VAR=value.
func makeTargets(args string) []string {
	var targets []string
	for _, arg := range strings.Fields(args) {
		if strings.HasPrefix(arg, "-") || strings.Contains(arg, "=") || strings.ContainsAny(arg, "<>$(") {
			continue
		}
		targets = append(targets, arg)
	}
	return targets
}

// rules are the Makefile's targets, pattern rules (with %) included.
type rules []string

func makeRules(root fs.FS) rules {
	data, _ := fs.ReadFile(root, "Makefile")
	var r rules
	for _, line := range strings.Split(string(data), "\n") {
		if m := makeRule.FindStringSubmatch(line); m != nil {
			r = append(r, strings.Fields(m[1])...)
		}
	}
	return r
}

func (r rules) has(target string) bool {
	for _, rule := range r {
		if rule == target {
			return true
		}
		if prefix, suffix, ok := strings.Cut(rule, "%"); ok &&
			len(target) > len(prefix)+len(suffix) && strings.HasPrefix(target, prefix) && strings.HasSuffix(target, suffix) {
			return true
		}
	}
	return false
}

// checkGoRun checks that ./cmd/<name> exists and defines each flag of args; it returns how
// many it checked and the first problem.
func checkGoRun(root fs.FS, name string, args []string) (int, string) {
	dir := path.Join("cmd", name)
	sources, _ := fs.Glob(root, dir+"/*.go")
	if len(sources) == 0 {
		return 1, fmt.Sprintf("go run ./cmd/%s: no such command", name)
	}
	defined := map[string]bool{}
	for _, src := range sources {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		data, _ := fs.ReadFile(root, src)
		for _, m := range flagDefinition.FindAllStringSubmatch(string(data), -1) {
			defined[m[1]] = true
		}
	}
	checked := 1
	for _, arg := range args {
		if !strings.HasPrefix(arg, "-") {
			continue
		}
		flag, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		checked++
		if !defined[flag] {
			names := make([]string, 0, len(defined))
			for f := range defined {
				names = append(names, "-"+f)
			}
			sort.Strings(names)
			return checked, fmt.Sprintf("go run ./cmd/%s: no flag -%s (it has %s)", name, flag, strings.Join(names, ", "))
		}
	}
	return checked, ""
}
