package guard

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Template is the part of a CloudFormation template the guard reads.
type Template struct {
	Resources map[string]Resource
	Outputs   map[string]Output
}

// Output is one entry of a template's Outputs.
type Output struct {
	Value any
}

// Resource is one entry of a template's Resources.
type Resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

// Templates are the templates of an app, keyed by "<stage>/<stack>" (e.g. "production/DataLake").
type Templates map[string]Template

// Stage is the stage part of a Templates key.
func Stage(key string) string {
	stage, _, _ := strings.Cut(key, "/")
	return stage
}

// Load reads the templates under dir, which is either a cloud assembly (a cdk.out directory:
// manifest.json with one nested assembly per stage) or a directory of golden templates laid out
// as <stage>/<stack>.json (test/testdata).
func Load(dir string) (Templates, error) {
	out := Templates{}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return out, loadAssembly(dir, out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		key := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
		if out[key], err = readTemplate(f); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: neither a cloud assembly (manifest.json) nor <stage>/<stack>.json templates", dir)
	}
	return out, nil
}

// manifest is the part of a cloud assembly's manifest.json the walk reads.
type manifest struct {
	Artifacts map[string]struct {
		Type        string
		DisplayName string
		Environment string
		Properties  struct {
			DirectoryName string
			TemplateFile  string
		}
	}
}

// WalkAssembly calls stack for every stack of the cloud assembly in dir and of its nested
// (stage) assemblies: its key "<stage>/<stack>" (the artifact's ID for a stack outside a
// stage), its environment (aws://<account>/<region>) and its template's path.
func WalkAssembly(dir string, stack func(key, environment, template string) error) error {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return fmt.Errorf("%s is not a cloud assembly: %w", dir, err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	for id, a := range m.Artifacts {
		switch a.Type {
		case "cdk:cloud-assembly":
			if err := WalkAssembly(filepath.Join(dir, a.Properties.DirectoryName), stack); err != nil {
				return err
			}
		case "aws:cloudformation:stack":
			key := a.DisplayName // "<stage>/<stack>" for a stack in a stage
			if key == "" {
				key = id
			}
			if err := stack(key, a.Environment, filepath.Join(dir, a.Properties.TemplateFile)); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadAssembly adds the stacks of the assembly in dir, and of its nested (stage) assemblies.
func loadAssembly(dir string, out Templates) error {
	return WalkAssembly(dir, func(key, _, template string) (err error) {
		out[key], err = readTemplate(template)
		return err
	})
}

// volatile matches values that change with a CDK upgrade, not with our code: asset hashes and
// the bootstrap bucket's name. The golden templates mask them (test/snapshot_test.go), so both
// sides are masked the same way before they are compared.
var volatile = []struct {
	pattern     *regexp.Regexp
	replacement string
}{
	{regexp.MustCompile(`[0-9a-f]{64}`), "<asset-hash>"},
	{regexp.MustCompile(`cdk-hnb659fds-assets-[0-9]{12}-[a-z0-9-]+`), "<bootstrap-assets-bucket>"},
}

func readTemplate(path string) (Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Template{}, err
	}
	for _, v := range volatile {
		raw = v.pattern.ReplaceAll(raw, []byte(v.replacement))
	}
	var t Template
	if err := json.Unmarshal(raw, &t); err != nil {
		return Template{}, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
