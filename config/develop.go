package config

// develop is where changes land first: small, cheap and disposable. Stateful resources are
// destroyed with the stack, so nothing here may hold data anyone needs to keep.
func develop() Environment {
	e := Environment{
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
			NATGateways:          0, // none: MWAA is off, and nothing else here needs internet egress
			PublicSubnetMask:     24,
			PrivateSubnetMask:    20,
			IsolatedSubnetMask:   24,
			FlowLogRetentionDays: 14,
			S3PrefixListID:       "pl-63a5400a",
		},
		DataLake: DataLake{
			Bronze:                   Lifecycle{InfrequentAccessAfterDays: 30, ExpireAfterDays: 90, NoncurrentVersionExpirationDays: 7},
			Silver:                   Lifecycle{ExpireAfterDays: 180, NoncurrentVersionExpirationDays: 7},
			Gold:                     Lifecycle{NoncurrentVersionExpirationDays: 7},
			AccessLogsExpirationDays: 30,
		},
		Monitoring: Monitoring{
			AlertEmails:                []string{"data-platform-develop@example.com"}, // placeholder: set your team's address
			PeriodMinutes:              5,
			S3ServerErrors:             Alarm{Threshold: 5, EvaluationPeriods: 1},
			S3ClientErrors:             Alarm{Threshold: 500, EvaluationPeriods: 3},
			NATPortAllocationErrors:    Alarm{Threshold: 1, EvaluationPeriods: 1},
			NATPacketsDropped:          Alarm{Threshold: 100, EvaluationPeriods: 3},
			DatabaseCPUPercent:         Alarm{Threshold: 90, EvaluationPeriods: 6},
			DatabaseFreeStorageGiB:     Alarm{Threshold: 2, EvaluationPeriods: 1},
			ReplicationSlotLagMiB:      Alarm{Threshold: 2048, EvaluationPeriods: 2},
			CdcSourceLatencySeconds:    Alarm{Threshold: 1800, EvaluationPeriods: 3},
			CdcTargetLatencySeconds:    Alarm{Threshold: 1800, EvaluationPeriods: 3},
			StreamIteratorAgeSeconds:   Alarm{Threshold: 3600, EvaluationPeriods: 2},
			StreamWriteThrottles:       Alarm{Threshold: 100, EvaluationPeriods: 3},
			DeliveryFreshnessSeconds:   Alarm{Threshold: 600, EvaluationPeriods: 2},
			DeliverySuccessPercent:     Alarm{Threshold: 100, EvaluationPeriods: 3},
			AirflowSchedulerHeartbeats: Alarm{Threshold: 1, EvaluationPeriods: 3},
			AirflowQueuedTasks:         Alarm{Threshold: 50, EvaluationPeriods: 3},
			FailedQueryWorkgroups:      []string{WorkgroupDbt},
		},
		// develop has its own account: the budget counts all of it; above its fixed monthly cost (make cost).
		Budget: Budget{MonthlyUSD: 500, ActualPercents: []int{80, 100}, ForecastPercents: []int{100}},
		// placeholder: set the repository that holds this code (see docs/cicd.md)
		GitHub: GitHub{Owner: "example-org", Repository: "dataplatform"},
		Databricks: Databricks{
			Enabled:                false,                        // off: no workspace in develop until someone needs one (NAT costs money)
			AccountID:              DatabricksAccountPlaceholder, // placeholder: set your Databricks account ID
			CIDR:                   "10.11.0.0/16",
			AvailabilityZones:      []string{"us-east-1a", "us-east-1b"},
			SubnetMask:             22,
			PublicSubnetMask:       28,
			NATGateways:            1,
			WorkspaceHost:          DatabricksHostPlaceholder,          // placeholder: set your workspace URL
			DeployServicePrincipal: DatabricksPrincipalPlaceholder,     // placeholder: set the deploying service principal's application ID
			JobsServicePrincipal:   DatabricksJobsPrincipalPlaceholder, // placeholder: set the jobs' service principal's application ID
			// placeholder: set the application ID of the service principal in Airflow's Databricks connection
			AirflowServicePrincipal: DatabricksAirflowPrincipalPlaceholder,
			Runtime:                 "17.3.x-scala2.13",
			NodeType:                "m5d.large",
			Workers:                 1,
		},
		// Provisioned with one shard: the cheapest stream; small buffers show data within a minute.
		Streaming: Streaming{
			Defaults: StreamSettings{Mode: StreamProvisioned, Shards: 1, RetentionHours: 24, BufferingIntervalSeconds: 60, BufferingSizeMB: 5},
			Overrides: map[string]StreamOverride{
				// JSON as producers send it: no format conversion to pay for, and Parquet's
				// 64 MB minimum buffer would not fit the small buffers above.
				"orders-events": {Format: new(FormatJSON), Compression: new(CompressionGzip)},
			},
			LogRetentionDays: 14,
			SpeedLayer:       false, // off: develop has no Databricks
		}.resolved(),
		Catalog: Catalog{
			CrawlerSchedules: map[string]string{
				CrawlerRDS:     "cron(0 6 * * ? *)",
				CrawlerKinesis: "cron(15 6 * * ? *)",
				CrawlerAPI:     "cron(30 6 * * ? *)",
			},
			CrawlerLogRetentionDays: 14,
		},
		Analytics: Analytics{
			ResultsExpirationDays: 7,
			Workgroups: map[string]Workgroup{
				WorkgroupAnalysts: {BytesScannedCutoffPerQuery: 1 * gigabyte},
				WorkgroupDbt:      {BytesScannedCutoffPerQuery: 10 * gigabyte},
			},
		},
		// Small, single-AZ and unprotected: develop's database is disposable.
		Database: Database{
			EngineVersion:                    "16.11",
			InstanceClass:                    "db.t4g.micro",
			AllocatedStorageGiB:              20,
			MaxAllocatedStorageGiB:           50,
			MultiAZ:                          false,
			BackupRetentionDays:              1,
			DeletionProtection:               false,
			DatabaseName:                     "orders",
			MaxReplicationSlots:              5,
			MaxWalSenders:                    5,
			LogExports:                       []string{"postgresql", "upgrade"},
			LogRetentionDays:                 14,
			PerformanceInsightsRetentionDays: 0,
			MonitoringIntervalSeconds:        0,
			IAMAuthentication:                false,
			SecretRotationDays:               30,
		},
		Cdc: Cdc{
			InstanceClass:       "dms.t3.small",
			AllocatedStorageGiB: 20,
			MultiAZ:             false,
			EngineVersion:       "3.6.1",
			TimestampColumnName: "dms_commit_ts",
			Include:             []TableSelector{{Schema: "public", Table: "%"}},
			Exclude:             []TableSelector{{Schema: "public", Table: "flyway_schema_history"}},
			LogRetentionDays:    14,
		},
		// MWAA off: at $188 a month fixed (mw1.micro) it would be more than the rest of develop.
		// Turn it on for a week of DAG work with Disabled: false and network.natGateways: 1
		// (docs/costs-and-limits.md, "Turning MWAA on in develop").
		Airflow: Airflow{
			Disabled:            true,
			Version:             "3.2.1",
			EnvironmentClass:    "mw1.micro",
			MinWorkers:          1,
			MaxWorkers:          1,
			Schedulers:          1,
			WebserverAccessMode: WebserverPublicOnly,
			MaintenanceWindow:   "SUN:03:00",
			LogLevel:            "WARNING",
			TaskLogLevel:        "INFO",
		},
		Warehouse: sampleWarehouse(),
		Smoke:     Smoke{WriteSources: true},
		Silver: Silver{
			APISources:    DeclaredAPISources(),
			RetentionDays: 7,
		},
	}
	// Silver keeps the tables of config/sources/database.sql that this capture selects.
	e.Silver.Tables = capturedTables(e.Cdc)
	return e
}
