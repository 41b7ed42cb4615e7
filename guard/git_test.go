package guard

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGitBaseCatchesRenameWithRewrittenGoldens: a branch renames production's bronze bucket
// and rewrites the golden templates to match (go test ./test -update). Compared with its own
// goldens it would pass; with git:main, the goldens where it left main, it fails.
func TestGitBaseCatchesRenameWithRewrittenGoldens(t *testing.T) {
	repo := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	writeGoldens := func(templates Templates) {
		t.Helper()
		for key, tpl := range templates {
			path := filepath.Join(repo, GoldenDir, key+".json")
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			raw, err := json.Marshal(tpl)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, raw, 0o644))
		}
	}
	run("init", "--quiet", "--initial-branch=main")
	writeGoldens(app())
	run("add", ".")
	run("commit", "--quiet", "-m", "main")

	renamed := app()
	lake := renamed["production/DataLake"]
	lake.Resources["BronzeBucketRenamed"] = lake.Resources["BronzeBucketFF082204"]
	delete(lake.Resources, "BronzeBucketFF082204")
	run("switch", "--quiet", "-c", "rename")
	writeGoldens(renamed)
	run("commit", "--quiet", "-am", "rename the bucket, -update the goldens")

	head := filepath.Join(repo, GoldenDir)
	base, err := ResolveBase("git:main", repo, t.TempDir())
	require.NoError(t, err)
	r, err := Run(base, head, protected, filepath.Join(repo, "none.yaml"))
	require.NoError(t, err)
	require.Len(t, r.Blocking, 1)
	assert.Equal(t, "BronzeBucketFF082204", r.Blocking[0].LogicalID)

	// The branch's own goldens are no base: they already contain the rename.
	r, err = Run(head, head, protected, filepath.Join(repo, "none.yaml"))
	require.NoError(t, err)
	assert.Empty(t, r.Blocking)

	// A directory passes through; an unknown ref is an error, never a silent pass.
	dir, err := ResolveBase(head, repo, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, head, dir)
	_, err = ResolveBase("git:no-such-branch", repo, t.TempDir())
	assert.ErrorContains(t, err, "no merge base of HEAD and no-such-branch")
}
