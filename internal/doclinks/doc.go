// Package doclinks holds a test, and no code: every relative link in README.md and docs/*.md
// must point at a file that exists, and every #fragment at a heading (or an explicit id or
// name anchor) of its target, slugged as GitHub slugs headings. External links are not
// fetched.
package doclinks
