package cost

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"dataplatform/guard"
)

// Resource is one resource of a synthesized template.
type Resource struct {
	// Path is the construct path (aws:cdk:path), or <stage>/<stack>/<logical ID> without one.
	Path       string
	Type       string
	Properties map[string]any
}

// Stage is one stage of the assembly: an environment, or an account stage.
type Stage struct {
	Name      string
	Region    string
	Resources []Resource
}

// LoadAssembly reads every stack of the cloud assembly in dir (cdk.out: manifest.json and one
// nested assembly per stage), grouped by stage, stages and resources sorted.
func LoadAssembly(dir string) ([]Stage, error) {
	stages := map[string]*Stage{}
	if err := loadAssembly(dir, stages); err != nil {
		return nil, err
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: a cloud assembly with no stack", dir)
	}
	var out []Stage
	for _, s := range stages {
		slices.SortFunc(s.Resources, func(a, b Resource) int { return strings.Compare(a.Path, b.Path) })
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Stage) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// loadAssembly adds every stack of the assembly in dir to its stage in stages.
func loadAssembly(dir string, stages map[string]*Stage) error {
	return guard.WalkAssembly(dir, func(key, environment, template string) error {
		stage, stack, _ := strings.Cut(key, "/")
		s := stages[stage]
		if s == nil {
			s = &Stage{Name: stage}
			stages[stage] = s
		}
		if _, region, ok := strings.Cut(strings.TrimPrefix(environment, "aws://"), "/"); ok && s.Region == "" {
			s.Region = region
		}
		resources, err := readTemplate(template, stage+"/"+stack)
		if err != nil {
			return err
		}
		s.Resources = append(s.Resources, resources...)
		return nil
	})
}

func readTemplate(path, stack string) ([]Resource, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
			Metadata   map[string]any
		}
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Resource
	for id, r := range t.Resources {
		p, _ := r.Metadata["aws:cdk:path"].(string)
		if p == "" {
			p = stack + "/" + id
		}
		out = append(out, Resource{Path: p, Type: r.Type, Properties: r.Properties})
	}
	return out, nil
}
