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
		Airflow: Airflow{
			Version:             "2.10.3",
			EnvironmentClass:    "mw1.medium",
			MinWorkers:          2,
			MaxWorkers:          10,
			Schedulers:          3,
			WebserverAccessMode: WebserverPrivateOnly,
			MaintenanceWindow:   "SUN:04:00",
			LogLevel:            "WARNING",
			TaskLogLevel:        "INFO",
		},
	}
}
