// Command dataplatform is the CDK app: one stage per environment of package config, plus one
// stage per AWS account for the account-wide resources.
//
//	cdk synth                 # every environment
//	cdk synth -c env=staging  # one environment (and its account stage)
//	cdk synth -c env=develop -c rehearsal-account=123456789012  # develop in moto's account (make rehearse)
package main

import (
	"fmt"
	"os"

	"dataplatform/config"
	"dataplatform/stacks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if err := build(app); err != nil {
		// Exit before Synth: a bad configuration writes no templates.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app.Synth(nil)
}

func build(app awscdk.App) error {
	name, _ := app.Node().TryGetContext(jsii.String("env")).(string)
	envs := config.All()
	// The deploy rehearsal (make rehearse) moves the environment it rehearses (or, without
	// -c env, every one) into the emulator's account; Build still validates the result.
	if account, ok := app.Node().TryGetContext(jsii.String("rehearsal-account")).(string); ok && account != "" {
		envs = config.WithAccount(envs, account, name)
	}
	_, _, err := stacks.Build(app, envs, name)
	return err
}
