package test

import (
	"testing"

	"dataplatform/config"
	"dataplatform/stacks"
)

// BenchmarkSynthAll measures building and synthesizing every environment, cdk-nag included,
// in a warm jsii process: the cost each `cdk synth` pays after Go has compiled the app.
// Run it with `make bench`.
func BenchmarkSynthAll(b *testing.B) {
	for b.Loop() {
		app, err := newApp(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := stacks.Build(app, config.All(), ""); err != nil {
			b.Fatal(err)
		}
		app.Synth(nil)
	}
}
