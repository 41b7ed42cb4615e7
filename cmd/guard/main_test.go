package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestExitCodes runs the command over the committed golden templates: unchanged passes (0),
// an unknown stage or a missing directory is a usage error (2), never a silent pass.
func TestExitCodes(t *testing.T) {
	golden := filepath.Join("..", "..", "test", "testdata")
	allow := filepath.Join("..", "..", "guard-allow.yaml")
	for _, c := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"unchanged", []string{"-base", golden, "-head", golden, "-allow", allow}, 0, "guard: no stateful resource of staging, production"},
		{"git base", []string{"-base", "git:main", "-head", golden, "-allow", allow}, 0, "guard: no stateful resource of staging, production"},
		{"unknown git base", []string{"-base", "git:no-such-branch", "-head", golden, "-allow", allow}, 2, "guard: base: no merge base of HEAD and no-such-branch"},
		{"unknown stage", []string{"-base", golden, "-head", golden, "-allow", allow, "-stages", "prod"}, 2, "has no stack of stages prod"},
		{"missing head", []string{"-base", golden, "-head", t.TempDir(), "-allow", allow}, 2, "head:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, c.code, run(c.args, &stdout, &stderr), stderr.String())
			assert.Contains(t, stdout.String()+stderr.String(), c.out)
		})
	}
}
