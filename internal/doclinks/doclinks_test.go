package doclinks

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository root, seen from this package's directory (go test's working
// directory).
const repoRoot = "../.."

// TestDocLinks checks the repository's own documentation.
func TestDocLinks(t *testing.T) {
	root := os.DirFS(repoRoot)
	files, err := docFiles(root)
	require.NoError(t, err)
	require.Contains(t, files, "README.md")

	links, problems := check(root, files)
	// A parser that found nothing would pass vacuously.
	require.Greater(t, links, 20, "relative links found in %v", files)
	assert.Empty(t, problems, "broken links in the documentation:\n%s", strings.Join(problems, "\n"))
}

// TestCheckReportsBrokenLinks proves the checker can fail: a missing file and a missing
// anchor are reported, with file and line; good links, external links and links in code are
// not.
func TestCheckReportsBrokenLinks(t *testing.T) {
	root := fstest.MapFS{
		"README.md": {Data: []byte(strings.Join([]string{
			"# Title", // 1
			"",        // 2
			"See [a](docs/a.md) and [its part](docs/a.md#the-part).",                              // 3
			"Broken: [gone](docs/missing.md).",                                                    // 4
			"Broken anchor: [x](docs/a.md#no-such-heading).",                                      // 5
			"Here: [top](#title), [web](https://example.com/x.md), [mail](mailto:a@example.com).", // 6
			"Inline code is not a link: `[no](docs/none.md)`.",                                    // 7
			"```sh",                           // 8
			"echo [not a link](docs/none.md)", // 9
			"```",                             // 10
			"A [directory](docs) and a [duplicate](docs/a.md#same-1) and [explicit](docs/a.md#custom).", // 11
			"[ref]: docs/also-missing.md",                                   // 12
			"Fenced headings are no anchors: [f](docs/a.md#not-a-heading).", // 13
		}, "\n"))},
		"docs/a.md": {Data: []byte(strings.Join([]string{
			"# The part",
			"## Same",
			"## Same",
			`<a id="custom"></a>`,
			"~~~",
			"# Not a heading",
			"~~~",
		}, "\n"))},
	}
	links, problems := check(root, []string{"README.md", "docs/a.md"})
	assert.Equal(t, 10, links)
	assert.Equal(t, []string{
		"README.md:4: docs/missing.md: no such file",
		"README.md:5: docs/a.md#no-such-heading: no heading or anchor \"no-such-heading\" in docs/a.md",
		"README.md:12: docs/also-missing.md: no such file",
		"README.md:13: docs/a.md#not-a-heading: no heading or anchor \"not-a-heading\" in docs/a.md",
	}, problems)
}

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"The Databricks connection (operator's step)":    "the-databricks-connection-operators-step",
		"Source capture (RDS PostgreSQL → DMS → bronze)": "source-capture-rds-postgresql--dms--bronze",
		"What `make test` runs":                          "what-make-test-runs",
		"Costs and limits":                               "costs-and-limits",
		"**Bold** and [a link](x.md)":                    "bold-and-a-link",
		"snake_case stays":                               "snake_case-stays",
		"CI/CD":                                          "cicd",
	} {
		assert.Equal(t, want, slug(heading), heading)
	}
}

func TestAnchorsNumberDuplicates(t *testing.T) {
	got := anchors("# Tests\n## Tests\nTests\n-----\n## Tests-1\n")
	assert.Equal(t, map[string]bool{"tests": true, "tests-1": true, "tests-2": true, "tests-1-1": true}, got)
}

// docFiles lists README.md and docs/*.md.
func docFiles(root fs.FS) ([]string, error) {
	docs, err := fs.Glob(root, "docs/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(docs)
	return append([]string{"README.md"}, docs...), nil
}

var (
	// An inline link or image: [text](target) or [text](target "title"); text may hold one
	// level of brackets.
	inlineLink = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^()\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)
	// A link reference definition: [label]: target.
	refDefinition = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	// A URL scheme: http:, https:, mailto:, ...
	scheme      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	codeSpan    = regexp.MustCompile("(`+)[^`]+?(`+)")
	fence       = regexp.MustCompile("^ {0,3}(```+|~~~+)")
	atxHeading  = regexp.MustCompile(`^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$`)
	setextLine  = regexp.MustCompile(`^ {0,3}(=+|-+)\s*$`)
	htmlAnchor  = regexp.MustCompile(`<[A-Za-z][^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']`)
	htmlTag     = regexp.MustCompile(`<[^>]+>`)
	inlineInner = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)`)
)

// check reads files (paths relative to root, with forward slashes) and returns how many
// relative links it checked and one line per broken one, "file:line: target: reason".
func check(root fs.FS, files []string) (int, []string) {
	var problems []string
	checked := 0
	anchorCache := map[string]map[string]bool{}
	anchorsOf := func(file string) (map[string]bool, error) {
		if a, ok := anchorCache[file]; ok {
			return a, nil
		}
		data, err := fs.ReadFile(root, file)
		if err != nil {
			return nil, err
		}
		a := anchors(string(data))
		anchorCache[file] = a
		return a, nil
	}

	for _, file := range files {
		data, err := fs.ReadFile(root, file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		for _, l := range links(string(data)) {
			if scheme.MatchString(l.target) || strings.HasPrefix(l.target, "//") {
				continue // external: not fetched
			}
			checked++
			report := func(format string, args ...any) {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", file, l.line, l.target, fmt.Sprintf(format, args...)))
			}
			target, fragment, _ := strings.Cut(l.target, "#")
			if i := strings.IndexByte(target, '?'); i >= 0 {
				target = target[:i]
			}
			dest := file
			if target != "" {
				unescaped, err := url.PathUnescape(target)
				if err != nil {
					report("bad escape: %v", err)
					continue
				}
				dest = path.Join(path.Dir(file), unescaped)
				if !fs.ValidPath(dest) {
					report("outside the repository")
					continue
				}
				if _, err := fs.Stat(root, dest); err != nil {
					report("no such file")
					continue
				}
			}
			// Fragments of other files (a source file's #L12) are GitHub's line anchors.
			if fragment == "" || !strings.HasSuffix(strings.ToLower(dest), ".md") {
				continue
			}
			if f, err := url.PathUnescape(fragment); err == nil {
				fragment = f
			}
			a, err := anchorsOf(dest)
			if err != nil {
				report("%v", err)
				continue
			}
			if !a[fragment] {
				report("no heading or anchor %q in %s", fragment, dest)
			}
		}
	}
	return checked, problems
}

type link struct {
	line   int
	target string
}

// links returns the targets of the inline links, images and link reference definitions of a
// Markdown text, outside fenced code blocks and code spans.
func links(text string) []link {
	var out []link
	forEachLine(text, func(n int, line string) {
		line = codeSpan.ReplaceAllString(line, "code")
		if m := refDefinition.FindStringSubmatch(line); m != nil {
			out = append(out, link{n, strings.Trim(m[1], "<>")})
			return
		}
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			out = append(out, link{n, strings.Trim(m[1], "<>")})
		}
	})
	return out
}

// forEachLine calls fn with every line (numbered from 1) that is not inside a fenced code
// block, fences included.
func forEachLine(text string, fn func(n int, line string)) {
	open := "" // the opening fence while inside a block
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if m := fence.FindStringSubmatch(line); m != nil {
			switch {
			case open == "":
				open = m[1]
				continue
			case m[1][0] == open[0] && len(m[1]) >= len(open) && strings.TrimSpace(line[strings.Index(line, m[1])+len(m[1]):]) == "":
				open = ""
				continue
			}
		}
		if open == "" {
			fn(i+1, line)
		}
	}
}

// anchors returns the fragments a Markdown text answers to on GitHub: each heading's slug
// (repeats numbered -1, -2, ...) and every explicit id or name attribute.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	add := func(heading string) {
		s := slug(heading)
		if _, dup := seen[s]; dup {
			base := s
			for {
				seen[base]++
				s = fmt.Sprintf("%s-%d", base, seen[base])
				if _, taken := seen[s]; !taken {
					break
				}
			}
		}
		seen[s] = 0
		out[s] = true
	}
	previous := "" // the previous line, if it could be a setext heading's text
	forEachLine(text, func(_ int, line string) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		switch {
		case atxHeading.MatchString(line):
			add(atxHeading.FindStringSubmatch(line)[1])
			previous = ""
			return
		case previous != "" && setextLine.MatchString(line):
			add(previous)
			previous = ""
			return
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "|") || strings.HasPrefix(trimmed, ">") ||
			strings.HasPrefix(trimmed, "- ") || strings.HasPrefix(trimmed, "* ") {
			previous = ""
		} else {
			previous = trimmed
		}
	})
	return out
}

// slug is GitHub's anchor for a heading: the rendered text, lowercased, with every character
// but letters, digits, marks, '-', '_' and spaces dropped, and each space turned into '-'.
func slug(heading string) string {
	text := inlineInner.ReplaceAllString(heading, "$1") // [text](url) renders as text
	text = htmlTag.ReplaceAllString(text, "")
	text = strings.TrimSpace(text)
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
