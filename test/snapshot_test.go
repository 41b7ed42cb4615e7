package test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// volatile matches what changes with a CDK upgrade but not with our code: asset hashes and the
// bootstrap asset bucket's name.
var volatile = []struct {
	pattern     *regexp.Regexp
	replacement string
}{
	{regexp.MustCompile(`[0-9a-f]{64}`), "<asset-hash>"},
	{regexp.MustCompile(`cdk-hnb659fds-assets-[0-9]{12}-[a-z0-9-]+`), "<bootstrap-assets-bucket>"},
}

// TestSnapshots compares every template of every stage with its golden copy in testdata/.
// After an intended change, `go test ./test -update` rewrites them; review the diff.
func TestSnapshots(t *testing.T) {
	for name, stack := range allStacks() {
		t.Run(name, func(t *testing.T) {
			got := normalized(t, templatePath(stack))
			golden := filepath.Join("testdata", name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "no golden template: run `make generate` and commit testdata/")
			require.Equal(t, string(want), string(got), "%s changed: if intended, run `make generate` (or `go test ./test -update`) and review the diff", name)
		})
	}
}

// TestNoOrphanSnapshots fails when testdata/ holds a golden template of a stack that no longer
// exists, so removed stacks do not leave stale files that look tested.
func TestNoOrphanSnapshots(t *testing.T) {
	stacks := allStacks()
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	require.NoError(t, err)
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f[:len(f)-len(".json")])
		if _, ok := stacks[name]; !ok && !*update {
			t.Errorf("%s has no stack %s: delete it", f, name)
		} else if !ok {
			require.NoError(t, os.Remove(f))
		}
	}
}

// normalized is the template re-indented with volatile values masked.
func normalized(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, raw, "", "  "))
	out := buf.Bytes()
	for _, v := range volatile {
		out = v.pattern.ReplaceAll(out, []byte(v.replacement))
	}
	return append(out, '\n')
}
