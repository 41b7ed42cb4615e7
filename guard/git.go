package guard

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// GoldenDir is where the repository keeps the golden templates, relative to its root.
const GoldenDir = "test/testdata"

// gitPrefix marks a base given as a git revision instead of a directory: "git:main".
const gitPrefix = "git:"

// ResolveBase turns a -base argument into a directory of templates. A directory is returned
// as it is. "git:<ref>" is the golden templates as committed at the merge base of HEAD and
// <ref> (or origin/<ref> where only the remote branch exists, as in a CI checkout), exported
// into a new directory under tmp: what the branch started from, so neither a rename with
// rewritten golden files nor an uncommitted -update slips through. repo is any directory of
// the git checkout.
func ResolveBase(base, repo, tmp string) (string, error) {
	ref, ok := strings.CutPrefix(base, gitPrefix)
	if !ok {
		return base, nil
	}
	top, err := git(repo, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	repo = strings.TrimSpace(string(top))
	rev, err := mergeBase(repo, ref)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(tmp, "guard-base-")
	if err != nil {
		return "", err
	}
	return dir, exportGolden(repo, rev, dir)
}

// mergeBase is the commit HEAD and ref (or origin/ref) have in common.
func mergeBase(repo, ref string) (string, error) {
	var errs []error
	for _, candidate := range []string{ref, "origin/" + ref} {
		out, err := git(repo, "merge-base", "HEAD", candidate)
		if err == nil {
			return strings.TrimSpace(string(out)), nil
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("no merge base of HEAD and %s: %w", ref, errors.Join(errs...))
}

// exportGolden writes the golden templates of commit rev into dir as <stage>/<stack>.json.
func exportGolden(repo, rev, dir string) error {
	// <rev>:<dir> archives the directory's tree with paths relative to it.
	out, err := git(repo, "archive", "--format=tar", rev+":"+GoldenDir)
	if err != nil {
		return err
	}
	archive := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := archive.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("git archive %s: %w", rev, err)
		}
		rel := path.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(rel, ".json") || !filepath.IsLocal(rel) {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		body, err := io.ReadAll(archive)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, body, 0o644); err != nil {
			return err
		}
	}
}

func git(repo string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
