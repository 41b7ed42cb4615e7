// Command dataplatform is the CDK app: one stage per environment of package config, plus one
// stage per AWS account for the account-wide resources.
//
//	cdk synth                 # every environment
//	cdk synth -c env=staging  # one environment (and its account stage)
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
	_, _, err := stacks.Build(app, config.All(), name)
	return err
}
