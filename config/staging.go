package config

// staging mirrors production's shape at a smaller size; its data is retained so a release
// can be rehearsed against realistic history.
func staging() Environment {
	e := Environment{
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
			S3PrefixListID:       "pl-63a5400a",
		},
		DataLake: DataLake{
			Bronze:                   Lifecycle{InfrequentAccessAfterDays: 30, GlacierAfterDays: 90, ExpireAfterDays: 365, NoncurrentVersionExpirationDays: 30},
			Silver:                   Lifecycle{InfrequentAccessAfterDays: 60, NoncurrentVersionExpirationDays: 30},
			Gold:                     Lifecycle{NoncurrentVersionExpirationDays: 30},
			AccessLogsExpirationDays: 90,
		},
		Monitoring: Monitoring{
			AlertEmails:                []string{"data-platform-staging@example.com"}, // placeholder: set your team's address
			PeriodMinutes:              5,
			S3ServerErrors:             Alarm{Threshold: 5, EvaluationPeriods: 1},
			S3ClientErrors:             Alarm{Threshold: 1000, EvaluationPeriods: 3},
			NATPortAllocationErrors:    Alarm{Threshold: 1, EvaluationPeriods: 1},
			NATPacketsDropped:          Alarm{Threshold: 1000, EvaluationPeriods: 3},
			DatabaseCPUPercent:         Alarm{Threshold: 80, EvaluationPeriods: 3},
			DatabaseFreeStorageGiB:     Alarm{Threshold: 5, EvaluationPeriods: 1},
			ReplicationSlotLagMiB:      Alarm{Threshold: 5120, EvaluationPeriods: 2},
			CdcSourceLatencySeconds:    Alarm{Threshold: 900, EvaluationPeriods: 3},
			CdcTargetLatencySeconds:    Alarm{Threshold: 900, EvaluationPeriods: 3},
			StreamIteratorAgeSeconds:   Alarm{Threshold: 900, EvaluationPeriods: 2},
			StreamWriteThrottles:       Alarm{Threshold: 10, EvaluationPeriods: 3},
			DeliveryFreshnessSeconds:   Alarm{Threshold: 900, EvaluationPeriods: 2},
			DeliverySuccessPercent:     Alarm{Threshold: 100, EvaluationPeriods: 2},
			SpeedFreshnessSeconds:      Alarm{Threshold: 1800, EvaluationPeriods: 2},
			AirflowSchedulerHeartbeats: Alarm{Threshold: 1, EvaluationPeriods: 3},
			AirflowQueuedTasks:         Alarm{Threshold: 50, EvaluationPeriods: 3},
			FailedQueryWorkgroups:      []string{WorkgroupDbt},
		},
		// staging has its own account: the budget counts all of it; above its fixed monthly cost (make cost), speed layer included.
		Budget: Budget{MonthlyUSD: 2000, ActualPercents: []int{80, 100}, ForecastPercents: []int{100}},
		// placeholder: set the repository that holds this code (see docs/cicd.md)
		GitHub: GitHub{Owner: "example-org", Repository: "dataplatform"},
		Databricks: Databricks{
			Enabled:                true,
			AccountID:              DatabricksAccountPlaceholder, // placeholder: set your Databricks account ID
			CIDR:                   "10.21.0.0/16",
			AvailabilityZones:      []string{"us-east-1a", "us-east-1b"},
			SubnetMask:             20,
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
			// On: the storage credential's external ID comes from the set-up (docs/unity-catalog.md).
			// Engineers deploy the personal dev target to this workspace.
			UnityCatalog: UnityCatalog{Enabled: true, ExternalID: UnityCatalogPending, Engineers: "data-engineers"},
		},
		// Production's shape (orders-events as Parquet) at provisioned, smaller capacity.
		Streaming: Streaming{
			Defaults: StreamSettings{Mode: StreamProvisioned, Shards: 1, RetentionHours: 72, BufferingIntervalSeconds: 300, BufferingSizeMB: 64,
				Speed: StreamSpeed{TriggerSeconds: 60, MaxFilesPerTrigger: 1000, WatermarkSeconds: 1800}},
			// Two shards for web-events, one for every other stream.
			Overrides:        map[string]StreamOverride{"web-events": {Shards: new(2)}},
			LogRetentionDays: 90,
			SpeedLayer:       true,
		}.resolved(),
		Catalog: Catalog{
			CrawlerSchedules: map[string]string{
				CrawlerRDS:     "cron(0 4 * * ? *)",
				CrawlerKinesis: "cron(5 */6 * * ? *)",
				CrawlerAPI:     "cron(30 5 * * ? *)",
			},
			CrawlerLogRetentionDays: 90,
		},
		Analytics: Analytics{
			ResultsExpirationDays: 30,
			Workgroups: map[string]Workgroup{
				WorkgroupAnalysts: {BytesScannedCutoffPerQuery: 10 * gigabyte},
				WorkgroupDbt:      {BytesScannedCutoffPerQuery: 100 * gigabyte},
			},
		},
		// Production's settings at a smaller size, single-AZ to halve the cost.
		Database: Database{
			EngineVersion:                    "16.11",
			InstanceClass:                    "db.t4g.medium",
			AllocatedStorageGiB:              50,
			MaxAllocatedStorageGiB:           200,
			MultiAZ:                          false,
			BackupRetentionDays:              7,
			DeletionProtection:               true,
			DatabaseName:                     "orders",
			MaxReplicationSlots:              5,
			MaxWalSenders:                    5,
			LogExports:                       []string{"postgresql", "upgrade"},
			LogRetentionDays:                 90,
			PerformanceInsightsRetentionDays: 7,
			MonitoringIntervalSeconds:        60,
			IAMAuthentication:                true,
			SecretRotationDays:               30,
		},
		Cdc: Cdc{
			InstanceClass:       "dms.t3.medium",
			AllocatedStorageGiB: 50,
			MultiAZ:             false,
			EngineVersion:       "3.6.1",
			TimestampColumnName: "dms_commit_ts",
			Include:             []TableSelector{{Schema: "public", Table: "%"}},
			Exclude:             []TableSelector{{Schema: "public", Table: "flyway_schema_history"}},
			LogRetentionDays:    90,
		},
		Airflow: Airflow{
			Version:             "3.2.1",
			EnvironmentClass:    "mw1.small",
			MinWorkers:          1,
			MaxWorkers:          5,
			Schedulers:          2,
			WebserverAccessMode: WebserverPrivateOnly,
			MaintenanceWindow:   "SUN:03:00",
			LogLevel:            "WARNING",
			TaskLogLevel:        "INFO",
		},
		Warehouse: sampleWarehouse(),
		Smoke:     Smoke{WriteSources: true},
		Silver: Silver{
			APISources:    DeclaredAPISources(),
			RetentionDays: 30,
		},
	}
	// Silver keeps the tables of config/sources/database.sql that this capture selects.
	e.Silver.Tables = capturedTables(e.Cdc)
	return e
}
