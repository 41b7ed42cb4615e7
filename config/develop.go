package config

// develop is where changes land first: small, cheap and disposable. Stateful resources are
// destroyed with the stack, so nothing here may hold data anyone needs to keep.
func develop() Environment {
	return Environment{
		Name:                  "develop",
		Account:               "111111111111", // placeholder: set your develop account ID
		Region:                "us-east-1",
		AvailabilityZones:     []string{"us-east-1a", "us-east-1b"},
		Prefix:                "dataplatform",
		Tags:                  map[string]string{"project": "dataplatform", "environment": "develop", "cost-center": "data"},
		TerminationProtection: false,
		Removal:               RemovalDestroy,
		Network: Network{
			CIDR:                 "10.10.0.0/16",
			NATGateways:          1,
			PublicSubnetMask:     24,
			PrivateSubnetMask:    20,
			IsolatedSubnetMask:   24,
			FlowLogRetentionDays: 14,
		},
		DataLake: DataLake{
			Bronze:                   Lifecycle{InfrequentAccessAfterDays: 30, ExpireAfterDays: 90, NoncurrentVersionExpirationDays: 7},
			Silver:                   Lifecycle{ExpireAfterDays: 180, NoncurrentVersionExpirationDays: 7},
			Gold:                     Lifecycle{NoncurrentVersionExpirationDays: 7},
			AccessLogsExpirationDays: 30,
		},
		Monitoring: Monitoring{
			AlertEmails:             []string{"data-platform-develop@example.com"}, // placeholder: set your team's address
			PeriodMinutes:           5,
			S3ServerErrors:          Alarm{Threshold: 5, EvaluationPeriods: 1},
			S3ClientErrors:          Alarm{Threshold: 500, EvaluationPeriods: 3},
			NATPortAllocationErrors: Alarm{Threshold: 1, EvaluationPeriods: 1},
			NATPacketsDropped:       Alarm{Threshold: 100, EvaluationPeriods: 3},
		},
		// placeholder: set the repository that holds this code (see README, CI/CD)
		GitHub: GitHub{Owner: "example-org", Repository: "dataplatform"},
	}
}
