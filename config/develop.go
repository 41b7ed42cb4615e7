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
		Airflow: Airflow{
			Version:             "2.10.3",
			EnvironmentClass:    "mw1.micro",
			MinWorkers:          1,
			MaxWorkers:          1,
			Schedulers:          1,
			WebserverAccessMode: WebserverPublicOnly,
			MaintenanceWindow:   "SUN:03:00",
			LogLevel:            "WARNING",
			TaskLogLevel:        "INFO",
		},
	}
}
