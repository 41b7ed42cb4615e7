// Command guard fails when the head app would delete or replace a stateful resource of a
// protected stage that the base app has, unless guard-allow.yaml allows it with a reason.
//
//	go run ./cmd/guard -base git:main -head cdk.out                 # make guard
//	go run ./cmd/guard -base base.out -head cdk.out -stages production
//
// -base and -head are each a cloud assembly (cdk.out) or a directory of <stage>/<stack>.json
// templates; -base may also be git:<ref>, the golden templates committed at the merge base of
// HEAD and <ref>. Exit status: 0 nothing at risk, 1 at-risk resources not allowed, 2 usage or
// I/O error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"dataplatform/guard"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("guard", flag.ContinueOnError)
	flags.SetOutput(stderr)
	base := flags.String("base", "git:main", "templates of the base: a cloud assembly, <stage>/<stack>.json files, or git:<ref> (the golden templates at the merge base of HEAD and ref)")
	head := flags.String("head", "cdk.out", "templates of the change: a cloud assembly or <stage>/<stack>.json files")
	stages := flags.String("stages", "staging,production", "comma-separated stages whose stateful resources are protected")
	allowFile := flags.String("allow", guard.AllowFile, "file of allowed deletions and replacements")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	tmp, err := os.MkdirTemp("", "guard-")
	if err != nil {
		fmt.Fprintln(stderr, "guard:", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	baseDir, err := guard.ResolveBase(*base, ".", tmp)
	if err != nil {
		fmt.Fprintln(stderr, "guard: base:", err)
		return 2
	}
	result, err := guard.Run(baseDir, *head, strings.Split(*stages, ","), *allowFile)
	if err != nil {
		fmt.Fprintln(stderr, "guard:", err)
		return 2
	}
	fmt.Fprint(stdout, result.Report())
	if len(result.Blocking) > 0 {
		return 1
	}
	return 0
}
