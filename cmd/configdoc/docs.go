package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// docs are the doc comments of struct types and their fields, whitespace-normalized: docs[type][""]
// is the type's, docs[type][field] a field's.
type docs map[string]map[string]string

// parseDocs reads the doc comments of every struct type declared in dir's Go files, tests aside.
func parseDocs(dir string) (docs, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	d := docs{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		d.add(fset, file)
	}
	if len(d) == 0 {
		return nil, fmt.Errorf("no struct types in %s", dir)
	}
	return d, nil
}

// add records the struct types of file. A field without a comment of its own takes the one of
// the field right above it when that comment names it, as in
//
//	// MinWorkers and MaxWorkers bound the Celery worker autoscaling.
//	MinWorkers int
//	MaxWorkers int
//
// so a field added without a line of its own is still found undocumented.
func (d docs) add(fset *token.FileSet, file *ast.File) {
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.TYPE {
			continue
		}
		for _, spec := range gen.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			doc := ts.Doc
			if doc == nil && len(gen.Specs) == 1 {
				doc = gen.Doc
			}
			fields := map[string]string{"": normalize(doc.Text())}
			var above string // the comment the field above has, its own or its group's
			aboveEnd := -1
			for _, f := range st.Fields.List {
				own := normalize(f.Doc.Text())
				if own == "" {
					own = normalize(f.Comment.Text())
				}
				adjacent := fset.Position(f.Pos()).Line == aboveEnd+1
				text := ""
				for _, name := range f.Names {
					text = own
					if text == "" && adjacent && mentions(above, name.Name) {
						text = above
					}
					fields[name.Name] = text
				}
				above, aboveEnd = text, fset.Position(f.End()).Line
			}
			d[ts.Name.Name] = fields
		}
	}
}

// mentions reports whether comment names the field as a word.
func mentions(comment, field string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(field) + `\b`).MatchString(comment)
}

// normalize joins a comment's lines and collapses its spaces.
func normalize(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// configDir finds config's source: beside this file's source when the binary was built from
// the module (go run, go test), else config/ under the working directory or a parent, so it
// works from the repository root and from a package directory alike.
func configDir() (string, error) {
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "..", "config"))
	}
	candidates = append(candidates, "config", filepath.Join("..", "config"), filepath.Join("..", "..", "config"))
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "environment.go")); err == nil {
			return filepath.Clean(dir), nil
		}
	}
	return "", errors.New("cannot find config/environment.go: run from the repository or pass -config")
}
