// Package doclinks holds tests, and no code, of what the documentation points at: every
// relative link in README.md and docs/*.md must point at a file that exists, and every
// #fragment at a heading (or an explicit id or name anchor) of its target, slugged as GitHub
// slugs headings; every `make <target>` and `go run ./cmd/<name> -<flag>` that the docs, the
// Python projects' pyproject.toml and the workflows name must exist. External links are not
// fetched.
package doclinks
