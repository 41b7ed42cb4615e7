package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"dataplatform/config"
)

// SmokePlanGenerated marks dags/smoke_plan.json as generated.
const SmokePlanGenerated = "by make generate (go run ./cmd/dags) from config/ and warehouse/manifest.json: do not edit"

// SmokeServingView is the dbt model the serving stages read: the current status of each
// order, where the batch and speed flows meet (warehouse/models). The plan refuses a manifest
// without it.
const SmokeServingView = "order_status_current"

// smokePlan is dags/smoke_plan.json: what platform_smoke writes, where it waits for it and what
// it reads, the same in every environment (which stages apply comes from the environment's
// platform.smoke_stages option).
type smokePlan struct {
	Generated string         `json:"generated"`
	Marker    smokeMarker    `json:"marker"`
	Database  *smokeDatabase `json:"database"`
	Streams   []smokeStream  `json:"streams"`
	API       *smokeAPI      `json:"api"`
	Readers   smokeReaders   `json:"readers"`
}

type smokeMarker struct {
	CustomerID    int64  `json:"customerId"`
	EventIDPrefix string `json:"eventIdPrefix"`
}

type smokeDatabase struct {
	Table        string   `json:"table"`
	Key          []string `json:"key"`
	MarkerColumn string   `json:"markerColumn"`
	// OpColumn is DMS's operation column (I, U, D) in the table's bronze objects.
	OpColumn      string `json:"opColumn"`
	BronzePrefix  string `json:"bronzePrefix"`
	SilverCurrent string `json:"silverCurrent"`
	SilverHistory string `json:"silverHistory"`
	ServingView   string `json:"servingView"`
	ChangeKey     string `json:"changeKey"`
}

type smokeColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type smokeStream struct {
	Name         string        `json:"name"`
	EventID      string        `json:"eventId"`
	EventTime    string        `json:"eventTime"`
	Format       string        `json:"format"`
	Compression  string        `json:"compression"`
	Columns      []smokeColumn `json:"columns"`
	BronzePrefix string        `json:"bronzePrefix"`
	SilverTable  string        `json:"silverTable"`
	ServingView  string        `json:"servingView"`
}

type smokeAPI struct {
	Source      string `json:"source"`
	SilverTable string `json:"silverTable"`
	// DayColumn is the silver table's column of the day a record was ingested for.
	DayColumn string `json:"dayColumn"`
}

type smokeReader struct {
	Table  string `json:"table"`
	Column string `json:"column"`
}

type smokeReaders struct {
	Silver []smokeReader `json:"silver"`
	Gold   []smokeReader `json:"gold"`
}

// manifest is as much of dbt's manifest as the plan reads.
type manifest struct {
	Nodes map[string]struct {
		ResourceType string `json:"resource_type"`
		Name         string `json:"name"`
		Alias        string `json:"alias"`
		Columns      map[string]struct {
			Name string `json:"name"`
		} `json:"columns"`
		Config struct {
			Meta struct {
				Lookback struct {
					Column string `json:"column"`
				} `json:"lookback"`
			} `json:"meta"`
		} `json:"config"`
	} `json:"nodes"`
}

// SmokeMarkerColumn is the served table's column that carries the canary customer.
const SmokeMarkerColumn = "customer_id"

// smokeReference is the environment whose sources the plan describes: the first with silver
// (Databricks on), as the warehouse's sources are; every environment serves the same table and
// stream, which the plan checks.
func smokeReference(envs []config.Environment) (config.Environment, error) {
	if len(envs) == 0 {
		return config.Environment{}, fmt.Errorf("no environment")
	}
	ref := envs[0]
	if i := slices.IndexFunc(envs, func(e config.Environment) bool { return e.Databricks.Enabled }); i >= 0 {
		ref = envs[i]
	}
	for _, e := range envs {
		if e.Warehouse.Serving.Table != ref.Warehouse.Serving.Table || e.Warehouse.Serving.Stream != ref.Warehouse.Serving.Stream {
			return config.Environment{}, fmt.Errorf("%s serves %s and %s, %s %s and %s: the smoke plan is one for every environment",
				e.Name, e.Warehouse.Serving.Table, e.Warehouse.Serving.Stream, ref.Name, ref.Warehouse.Serving.Table, ref.Warehouse.Serving.Stream)
		}
	}
	return ref, nil
}

// firehoseFolder is a stream's Firehose data prefix up to its first !{...} expression, cut back
// to the folder that holds every day of it (kinesis/<stream>/).
func firehoseFolder(stream string) string {
	prefix := config.BronzeKinesisDataPrefix(stream)
	if i := strings.Index(prefix, "!{"); i >= 0 {
		prefix = prefix[:strings.LastIndex(prefix[:i], "/")+1]
	}
	return prefix
}

// firstNonPersonal is the first of columns whose name is not personal, or "".
func firstNonPersonal(columns []string, personal map[string]bool) string {
	for _, c := range columns {
		if !personal[c] {
			return c
		}
	}
	return ""
}

// GenerateSmokePlan renders dags/smoke_plan.json from envs and the warehouse's manifest.
func GenerateSmokePlan(envs []config.Environment, manifestJSON []byte) ([]byte, error) {
	ref, err := smokeReference(envs)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(manifestJSON, &m); err != nil {
		return nil, fmt.Errorf("warehouse manifest: %w", err)
	}
	models := map[string]bool{}
	for _, n := range m.Nodes {
		if n.ResourceType == "model" {
			models[n.Alias] = true
		}
	}
	plan := smokePlan{
		Generated: SmokePlanGenerated,
		Marker:    smokeMarker{CustomerID: config.SmokeCanaryCustomerID, EventIDPrefix: config.SmokeEventPrefix},
		Streams:   []smokeStream{},
	}
	// personal holds every column name declared personal in any source: a gold model's column
	// of that name is taken for personal too.
	// A quarantine's raw record holds any declared field, personal ones included.
	personal := map[string]bool{"record": true}
	if t, ok := ref.ServingTable(); ok {
		if !slices.ContainsFunc(t.Columns, func(c config.Column) bool { return c.Name == SmokeMarkerColumn }) {
			return nil, fmt.Errorf("served table %s has no column %s, the smoke's marker", t.Name(), SmokeMarkerColumn)
		}
		if !models[SmokeServingView] {
			return nil, fmt.Errorf("the warehouse manifest has no model %s, the serving view", SmokeServingView)
		}
		plan.Database = &smokeDatabase{
			Table: t.Name(), Key: t.Key, MarkerColumn: SmokeMarkerColumn, OpColumn: config.BronzeCDCOpColumn, BronzePrefix: t.BronzePrefix(),
			SilverCurrent: t.Current().Name, SilverHistory: t.History().Name, ServingView: SmokeServingView,
			ChangeKey: ref.Warehouse.Serving.ChangeKey,
		}
	}
	for _, t := range ref.Silver.Tables {
		for _, c := range t.Columns {
			personal[c.Name] = personal[c.Name] || c.Personal
		}
	}
	for _, s := range config.DeclaredStreams() {
		out := smokeStream{
			Name: s.Name, EventID: s.EventID, EventTime: s.EventTime, Format: string(s.Format), Compression: string(s.Compression),
			Columns: []smokeColumn{}, BronzePrefix: firehoseFolder(s.Name), SilverTable: config.Stream{Name: s.Name}.Events().Name,
		}
		for _, c := range s.Columns {
			out.Columns = append(out.Columns, smokeColumn{Name: c.Name, Type: c.Type})
			personal[c.Name] = personal[c.Name] || c.Personal
		}
		if s.Name == ref.Warehouse.Serving.Stream {
			out.ServingView = SmokeServingView
		}
		plan.Streams = append(plan.Streams, out)
	}
	if sources := config.DeclaredAPISources(); len(sources) > 0 {
		plan.API = &smokeAPI{Source: sources[0].Name, SilverTable: sources[0].Current().Name, DayColumn: config.BronzeAPIDayColumn}
		for _, s := range sources {
			for _, c := range s.Columns {
				personal[c.Name] = personal[c.Name] || c.Personal
			}
		}
	}
	plan.Readers.Silver = []smokeReader{}
	for _, t := range ref.SilverTables() {
		var names []string
		for _, c := range t.Columns {
			if !c.Personal {
				names = append(names, c.Name)
			}
		}
		if column := firstNonPersonal(names, personal); column != "" {
			plan.Readers.Silver = append(plan.Readers.Silver, smokeReader{Table: t.Name, Column: column})
		}
	}
	// Gold: each model, by a documented column no source declares personal, else the column
	// its lookback partitions by; "" where the manifest names no column (the DAG counts rows).
	plan.Readers.Gold = []smokeReader{}
	for _, id := range slices.Sorted(maps.Keys(m.Nodes)) {
		n := m.Nodes[id]
		if n.ResourceType != "model" {
			continue
		}
		var names []string
		for _, c := range n.Columns {
			names = append(names, c.Name)
		}
		slices.Sort(names)
		column := firstNonPersonal(names, personal)
		if column == "" && !personal[n.Config.Meta.Lookback.Column] {
			column = n.Config.Meta.Lookback.Column
		}
		plan.Readers.Gold = append(plan.Readers.Gold, smokeReader{Table: n.Alias, Column: column})
	}
	var b bytes.Buffer
	encoder := json.NewEncoder(&b)
	encoder.SetEscapeHTML(false)
	encoder.SetIndent("", " ")
	if err := encoder.Encode(plan); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
