// Package unitycatalog is an environment's Unity Catalog plan, from config: what the set-up
// command (unitycatalog/, on the Databricks SDK) makes true in the environment's workspace.
// cmd/unitycatalog prints it as JSON.
package unitycatalog

import (
	"fmt"

	"dataplatform/config"
)

// Plan is what the set-up command makes true in the environment's workspace.
type Plan struct {
	Environment   string `json:"environment"`
	WorkspaceHost string `json:"workspace_host"`
	// Stack and RoleOutput name the stack output that holds the credential's role ARN;
	// RoleArn is the ARN config expects it to be.
	Stack      string `json:"stack"`
	RoleOutput string `json:"role_output"`
	RoleArn    string `json:"role_arn"`
	// MasterRole is the Databricks role the credential's role trusts
	// (config.UnityCatalogMasterRole): the set-up refuses a credential Databricks says another
	// role assumes.
	MasterRole string `json:"master_role"`
	// ExternalID is config's databricks.unityCatalog.externalId: Pending until the credential
	// exists, then the ID Databricks generated for it.
	ExternalID string     `json:"external_id"`
	Pending    string     `json:"pending"`
	Credential string     `json:"credential"`
	Locations  []Location `json:"locations"`
	Catalog    Catalog    `json:"catalog"`
	// Grants are the jobs' service principal's (the bundle's run_as, by application ID) and
	// the engineers' group's, each exact.
	Grants []Grant `json:"grants"`
}

// Location is one layer's external location: its whole bucket, through the credential.
type Location struct {
	Name     string `json:"name"`
	Layer    string `json:"layer"`
	URL      string `json:"url"`
	ReadOnly bool   `json:"read_only"`
}

// Catalog is the environment's catalog, bound to its workspace only, with one schema per layer
// whose tables are external.
type Catalog struct {
	Name        string   `json:"name"`
	StorageRoot string   `json:"storage_root"`
	Schemas     []string `json:"schemas"`
}

// Grant is every privilege a principal holds on one securable: the set-up adds what is missing
// and revokes the rest, so the principal holds exactly these.
type Grant struct {
	Principal     string   `json:"principal"`
	SecurableType string   `json:"securable_type"`
	FullName      string   `json:"full_name"`
	Privileges    []string `json:"privileges"`
}

// The layers as the jobs use them, the same split as the storage credential's and the
// data-access role's rights: bronze read-only, silver read and write; gold is dbt's (through
// Athena), so the jobs get nothing on it.
var readOnlyLayers = map[string]bool{config.LayerBronze: true}

// What the jobs' principal, and the engineers whose dev runs read bronze and write silver
// under _dev/, hold: the catalog; bronze's files (it has no tables); silver's files and tables.
var (
	useCatalog     = []string{"USE_CATALOG"}
	readFiles      = []string{"READ_FILES"}
	writeFiles     = []string{"READ_FILES", "WRITE_FILES", "CREATE_EXTERNAL_TABLE"}
	writeTables    = []string{"USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE"}
	engineersFiles = []string{"READ_FILES", "WRITE_FILES"}
)

// NewPlan is environment e's plan.
func NewPlan(e config.Environment) Plan {
	catalog := e.UnityCatalogName()
	p := Plan{
		Environment:   e.Name,
		WorkspaceHost: e.Databricks.WorkspaceHost,
		Stack:         e.StackName(config.DatabricksStackID),
		RoleOutput:    config.UnityCatalogRoleOutput,
		RoleArn:       fmt.Sprintf("arn:aws:iam::%s:role/%s", e.Account, e.UnityCatalogRoleName()),
		MasterRole:    config.UnityCatalogMasterRole,
		ExternalID:    e.Databricks.UnityCatalog.ExternalID,
		Pending:       config.UnityCatalogPending,
		Credential:    e.UnityCatalogCredentialName(),
		Catalog: Catalog{Name: catalog, StorageRoot: e.BucketURI(config.BucketSilver, config.UnityCatalogManagedRoot),
			Schemas: config.UnityCatalogLayers},
	}
	for _, layer := range config.UnityCatalogLayers {
		// The layers' bucket purposes are the layers' names.
		p.Locations = append(p.Locations, Location{Name: e.UnityCatalogLocationName(layer), Layer: layer,
			URL: e.BucketURI(layer, ""), ReadOnly: readOnlyLayers[layer]})
	}
	bronze, silver := e.UnityCatalogLocationName(config.LayerBronze), e.UnityCatalogLocationName(config.LayerSilver)
	jobs := e.Databricks.JobsServicePrincipal
	p.Grants = []Grant{
		{jobs, "catalog", catalog, useCatalog},
		{jobs, "external_location", bronze, readFiles},
		{jobs, "external_location", silver, writeFiles},
		{jobs, "schema", catalog + "." + config.LayerSilver, writeTables},
	}
	if engineers := e.Databricks.UnityCatalog.Engineers; engineers != "" {
		p.Grants = append(p.Grants,
			Grant{engineers, "catalog", catalog, useCatalog},
			Grant{engineers, "external_location", bronze, readFiles},
			Grant{engineers, "external_location", silver, engineersFiles})
	}
	return p
}
