package config

// production keeps everything: retained stateful resources, termination protection, a NAT
// gateway per AZ and long retention.
func production() Environment {
	return Environment{
		Name:                  "production",
		Account:               "333333333333", // placeholder: set your production account ID
		Region:                "us-east-1",
		AvailabilityZones:     []string{"us-east-1a", "us-east-1b"},
		Prefix:                "dataplatform",
		Tags:                  map[string]string{"project": "dataplatform", "environment": "production", "cost-center": "data"},
		TerminationProtection: true,
		Removal:               RemovalRetain,
		Network: Network{
			CIDR:                 "10.30.0.0/16",
			NATGateways:          2,
			PublicSubnetMask:     24,
			PrivateSubnetMask:    20,
			IsolatedSubnetMask:   24,
			FlowLogRetentionDays: 365,
		},
		DataLake: DataLake{
			Bronze:                   Lifecycle{InfrequentAccessAfterDays: 30, GlacierAfterDays: 180, NoncurrentVersionExpirationDays: 90},
			Silver:                   Lifecycle{InfrequentAccessAfterDays: 90, NoncurrentVersionExpirationDays: 90},
			Gold:                     Lifecycle{NoncurrentVersionExpirationDays: 90},
			AccessLogsExpirationDays: 365,
		},
		Monitoring: Monitoring{
			AlertEmails:             []string{"data-platform-oncall@example.com"}, // placeholder: set your team's address
			PeriodMinutes:           5,
			S3ServerErrors:          Alarm{Threshold: 1, EvaluationPeriods: 1},
			S3ClientErrors:          Alarm{Threshold: 1000, EvaluationPeriods: 3},
			NATPortAllocationErrors: Alarm{Threshold: 1, EvaluationPeriods: 1},
			NATPacketsDropped:       Alarm{Threshold: 1000, EvaluationPeriods: 2},
		},
		// placeholder: set the repository that holds this code (see README, CI/CD)
		GitHub: GitHub{Owner: "example-org", Repository: "dataplatform"},
	}
}
