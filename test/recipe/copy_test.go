package recipe

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// environments are the installed tools and Python environments a copy links to rather than
// copies: they are large, and the recipe changes none of them.
var environments = []string{
	"node_modules", ".uv", "tools/bin",
	"tools/.venv", "dags/.venv", "rehearsal/.venv", "jobs/.venv", "unitycatalog/.venv", "warehouse/.venv",
}

// copyRepository copies the repository's files (tracked, and new ones git does not ignore) into
// a new folder, with their modification times, so that make sees the linked environments'
// stamps as up to date and installs nothing.
func copyRepository(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	list := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	list.Dir = root
	out, err := list.Output()
	require.NoError(t, err, "git ls-files")
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		copyFile(t, src, filepath.Join(dir, name), info)
	}
	for _, env := range environments {
		if _, err := os.Stat(filepath.Join(root, env)); err == nil {
			require.NoError(t, os.Symlink(filepath.Join(root, env), filepath.Join(dir, env)))
		}
	}
	return dir
}

func copyFile(t *testing.T, src, dst string, info fs.FileInfo) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(t, os.WriteFile(dst, data, info.Mode().Perm()))
	require.NoError(t, os.Chtimes(dst, info.ModTime(), info.ModTime()))
}

// appendTo adds text to the end of a file of the copy, as the recipe's one edit per source.
func appendTo(t *testing.T, dir, name, text string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// run runs a command in the copy and fails with its output; it returns how long it took.
func run(t *testing.T, dir string, name string, args ...string) time.Duration {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	require.NoError(t, cmd.Run(), "%s %s in %s:\n%s", name, strings.Join(args, " "), dir, out.String())
	return time.Since(start)
}
