package config

// production keeps everything: retained stateful resources, termination protection, a NAT
// gateway per AZ and long retention.
func production() Environment {
	e := Environment{
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
			S3PrefixListID:       "pl-63a5400a",
		},
		DataLake: DataLake{
			// Nothing archived: Firehose's conversion errors under errors/ are the speed layer's
			// to read (a new checkpoint lists them all), and small.
			Bronze:                   Lifecycle{InfrequentAccessAfterDays: 30, GlacierAfterDays: 180, NoncurrentVersionExpirationDays: 90},
			Silver:                   Lifecycle{InfrequentAccessAfterDays: 90, NoncurrentVersionExpirationDays: 90},
			Gold:                     Lifecycle{NoncurrentVersionExpirationDays: 90},
			AccessLogsExpirationDays: 365,
		},
		Monitoring: Monitoring{
			AlertEmails:                []string{"data-platform-oncall@example.com"}, // placeholder: set your team's address
			PeriodMinutes:              5,
			S3ServerErrors:             Alarm{Threshold: 1, EvaluationPeriods: 1},
			S3ClientErrors:             Alarm{Threshold: 1000, EvaluationPeriods: 3},
			NATPortAllocationErrors:    Alarm{Threshold: 1, EvaluationPeriods: 1},
			NATPacketsDropped:          Alarm{Threshold: 1000, EvaluationPeriods: 2},
			DatabaseCPUPercent:         Alarm{Threshold: 80, EvaluationPeriods: 3},
			DatabaseFreeStorageGiB:     Alarm{Threshold: 10, EvaluationPeriods: 1},
			ReplicationSlotLagMiB:      Alarm{Threshold: 10240, EvaluationPeriods: 1},
			CdcSourceLatencySeconds:    Alarm{Threshold: 300, EvaluationPeriods: 3},
			CdcTargetLatencySeconds:    Alarm{Threshold: 600, EvaluationPeriods: 3},
			StreamIteratorAgeSeconds:   Alarm{Threshold: 600, EvaluationPeriods: 1},
			StreamWriteThrottles:       Alarm{Threshold: 10, EvaluationPeriods: 2},
			DeliveryFreshnessSeconds:   Alarm{Threshold: 900, EvaluationPeriods: 1},
			DeliverySuccessPercent:     Alarm{Threshold: 100, EvaluationPeriods: 1},
			SpeedFreshnessSeconds:      Alarm{Threshold: 900, EvaluationPeriods: 1},
			AirflowSchedulerHeartbeats: Alarm{Threshold: 1, EvaluationPeriods: 2},
			AirflowQueuedTasks:         Alarm{Threshold: 25, EvaluationPeriods: 3},
			FailedQueryWorkgroups:      []string{WorkgroupDbt},
		},
		// production has its own account: the budget counts all of it; above its fixed monthly cost (make cost), with room for its usage.
		Budget: Budget{MonthlyUSD: 6000, ActualPercents: []int{50, 80, 100}, ForecastPercents: []int{100}},
		// placeholder: set the repository that holds this code (see docs/cicd.md)
		GitHub: GitHub{Owner: "example-org", Repository: "dataplatform", ReviewedDiffs: true},
		Databricks: Databricks{
			Enabled:                true,
			AccountID:              DatabricksAccountPlaceholder, // placeholder: set your Databricks account ID
			CIDR:                   "10.31.0.0/16",
			AvailabilityZones:      []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			SubnetMask:             18,
			PublicSubnetMask:       28,
			NATGateways:            3,
			WorkspaceHost:          DatabricksHostPlaceholder,          // placeholder: set your workspace URL
			DeployServicePrincipal: DatabricksPrincipalPlaceholder,     // placeholder: set the deploying service principal's application ID
			JobsServicePrincipal:   DatabricksJobsPrincipalPlaceholder, // placeholder: set the jobs' service principal's application ID
			// placeholder: set the application ID of the service principal in Airflow's Databricks connection
			AirflowServicePrincipal: DatabricksAirflowPrincipalPlaceholder,
			Runtime:                 "17.3.x-scala2.13",
			NodeType:                "m5d.large",
			Workers:                 2,
			// On: the storage credential's external ID comes from the set-up (docs/unity-catalog.md).
			UnityCatalog: UnityCatalog{Enabled: true, ExternalID: UnityCatalogPending},
		},
		// On-demand streams follow traffic; a week of retention allows replays after an incident.
		Streaming: Streaming{
			Defaults: StreamSettings{Mode: StreamOnDemand, RetentionHours: 168, BufferingIntervalSeconds: 300, BufferingSizeMB: 128,
				Speed: StreamSpeed{TriggerSeconds: 30, MaxFilesPerTrigger: 500, WatermarkSeconds: 3600}},
			Overrides: map[string]StreamOverride{
				// Busy: batches capped by size, so a backlog after an incident is worked off evenly.
				"web-events": {Speed: StreamSpeed{TriggerSeconds: 30, MaxBytesPerTrigger: 1 * gigabyte, WatermarkSeconds: 3600}},
			},
			LogRetentionDays: 365,
			SpeedLayer:       true,
		}.resolved(),
		Catalog: Catalog{
			CrawlerSchedules: map[string]string{
				CrawlerRDS:     "cron(0 */6 * * ? *)",
				CrawlerKinesis: "cron(5 * * * ? *)",
				CrawlerAPI:     "cron(30 5 * * ? *)",
			},
			CrawlerLogRetentionDays: 365,
		},
		Analytics: Analytics{
			ResultsExpirationDays: 30,
			Workgroups: map[string]Workgroup{
				WorkgroupAnalysts: {BytesScannedCutoffPerQuery: 100 * gigabyte},
				WorkgroupDbt:      {BytesScannedCutoffPerQuery: 1024 * gigabyte},
			},
		},
		// Multi-AZ on both sides, two weeks of backups, protected from deletion.
		Database: Database{
			EngineVersion:                    "16.11",
			InstanceClass:                    "db.r6g.large",
			AllocatedStorageGiB:              100,
			MaxAllocatedStorageGiB:           1000,
			MultiAZ:                          true,
			BackupRetentionDays:              14,
			DeletionProtection:               true,
			DatabaseName:                     "orders",
			MaxReplicationSlots:              10,
			MaxWalSenders:                    10,
			LogExports:                       []string{"postgresql", "upgrade"},
			LogRetentionDays:                 365,
			PerformanceInsightsRetentionDays: 7,
			MonitoringIntervalSeconds:        15,
			IAMAuthentication:                true,
			SecretRotationDays:               30,
		},
		Cdc: Cdc{
			InstanceClass:       "dms.r6i.large",
			AllocatedStorageGiB: 100,
			MultiAZ:             true,
			EngineVersion:       "3.6.1",
			TimestampColumnName: "dms_commit_ts",
			Include:             []TableSelector{{Schema: "public", Table: "%"}},
			Exclude:             []TableSelector{{Schema: "public", Table: "flyway_schema_history"}},
			LogRetentionDays:    365,
		},
		Airflow: Airflow{
			Version:             "3.2.1",
			EnvironmentClass:    "mw1.medium",
			MinWorkers:          2,
			MaxWorkers:          10,
			Schedulers:          3,
			WebserverAccessMode: WebserverPrivateOnly,
			MaintenanceWindow:   "SUN:04:00",
			LogLevel:            "WARNING",
			TaskLogLevel:        "INFO",
		},
		Warehouse: sampleWarehouse(),
		// Scheduled, read-only: production's sources belong to the business (Smoke.WriteSources).
		Smoke: Smoke{WriteSources: false, Schedule: "0 6 * * *"},
		Silver: Silver{
			APISources:    DeclaredAPISources(),
			RetentionDays: 30,
		},
	}
	// Silver keeps the tables of config/sources/database.sql that this capture selects.
	e.Silver.Tables = capturedTables(e.Cdc)
	return e
}
