package config

// staging mirrors production's shape at a smaller size; its data is retained so a release
// can be rehearsed against realistic history.
func staging() Environment {
	return Environment{
		Name:                  "staging",
		Account:               "222222222222", // placeholder: set your staging account ID
		Region:                "us-east-1",
		AvailabilityZones:     []string{"us-east-1a", "us-east-1b"},
		Prefix:                "dataplatform",
		Tags:                  map[string]string{"project": "dataplatform", "environment": "staging", "cost-center": "data"},
		TerminationProtection: false,
		Removal:               RemovalRetain,
		Network: Network{
			CIDR:                 "10.20.0.0/16",
			NATGateways:          1,
			PublicSubnetMask:     24,
			PrivateSubnetMask:    20,
			IsolatedSubnetMask:   24,
			FlowLogRetentionDays: 90,
		},
		DataLake: DataLake{
			Bronze:                   Lifecycle{InfrequentAccessAfterDays: 30, GlacierAfterDays: 90, ExpireAfterDays: 365, NoncurrentVersionExpirationDays: 30},
			Silver:                   Lifecycle{InfrequentAccessAfterDays: 60, NoncurrentVersionExpirationDays: 30},
			Gold:                     Lifecycle{NoncurrentVersionExpirationDays: 30},
			AccessLogsExpirationDays: 90,
		},
		Airflow: Airflow{
			Version:             "2.10.3",
			EnvironmentClass:    "mw1.small",
			MinWorkers:          1,
			MaxWorkers:          5,
			Schedulers:          2,
			WebserverAccessMode: WebserverPrivateOnly,
			MaintenanceWindow:   "SUN:03:00",
			LogLevel:            "WARNING",
			TaskLogLevel:        "INFO",
		},
	}
}
