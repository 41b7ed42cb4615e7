package config

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests' own declarations, valid as they are: each case below breaks one thing in one file.
const (
	fixtureStreams = `
- name: clicks
  eventId: click_id
  eventTime: clicked_at
  columns:
    - {name: click_id, type: string}
    - {name: user_id, type: string, personal: true}
    - {name: clicked_at, type: timestamp}
`
	fixtureAPISources = `
- name: fx_rates
  url: https://api.example.com/v1/rates
  params: {base: USD}
  records: data
  key: [currency, dt]
  columns:
    - {name: currency, type: string}
    - {name: rate, type: "decimal(18,8)"}
`
	fixtureColumns = `
shop.buyers.email: {personal: true}
`
)

// fixtureTables are the database tables the fixture's columns.yaml names columns of.
func fixtureTables() []SourceTable {
	return []SourceTable{{Schema: "shop", Table: "buyers", Key: []string{"buyer_id"}, Columns: []SourceColumn{
		{Name: "buyer_id", SourceType: "bigint", Type: "bigint"}, {Name: "email", SourceType: "text", Type: "string"},
	}}}
}

// fixtureDeclarations reads the fixture's files, each changed by edit when it names it.
func fixtureDeclarations(edit map[string]func(string) string) declarations {
	file := func(name, text string) []byte {
		if f, ok := edit[name]; ok {
			text = f(text)
		}
		return []byte(text)
	}
	return readDeclarations(file(StreamsFile, fixtureStreams), file(APISourcesFile, fixtureAPISources), file(ColumnsFile, fixtureColumns))
}

// declarationErrors are the lines validation prints for the fixture changed by edit.
func declarationErrors(edit map[string]func(string) string) []string {
	var lines []string
	for _, e := range fixtureDeclarations(edit).validate(reservedIn(All()), fixtureTables()) {
		lines = append(lines, e.Error())
	}
	return lines
}

// replace edits a file by replacing old, which must be in it, with new.
func replace(t *testing.T, file, old, new string) map[string]func(string) string {
	return map[string]func(string) string{file: func(text string) string {
		require.Contains(t, text, old, "the case edits %s", file)
		return strings.Replace(text, old, new, 1)
	}}
}

func TestFixtureDeclarationsAreValid(t *testing.T) {
	d := fixtureDeclarations(nil)
	require.Empty(t, declarationErrors(nil))
	require.Len(t, d.streams, 1)
	// The defaults of a stream that leaves format and compression out.
	assert.Equal(t, FormatJSON, d.streams[0].Format)
	assert.Equal(t, CompressionGzip, d.streams[0].Compression)
	assert.Equal(t, []Column{{Name: "click_id", Type: "string"}, {Name: "user_id", Type: "string", Personal: true}, {Name: "clicked_at", Type: "timestamp"}}, d.streams[0].Columns)
	assert.Equal(t, APISource{Name: "fx_rates", URL: "https://api.example.com/v1/rates", Params: map[string]string{"base": "USD"}, Records: "data",
		Key: []string{"currency", "dt"}, Columns: []Column{{Name: "currency", Type: "string"}, {Name: "rate", Type: "decimal(18,8)"}}}, d.apiSources[0])
	assert.Equal(t, map[string]ColumnMetadata{"shop.buyers.email": {Personal: true}}, d.columns)
}

// TestInvalidDeclarations: one bad declaration, one line naming its file, kind, source, field,
// value and what is allowed.
func TestInvalidDeclarations(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(t *testing.T) map[string]func(string) string
		want []string
	}{
		{"unknown type of a stream's column", func(t *testing.T) map[string]func(string) string {
			return replace(t, StreamsFile, "{name: user_id, type: string", "{name: user_id, type: text")
		}, []string{`config/sources/streams.yaml: stream clicks: columns[1].type "text": must be one of [string boolean int bigint float double date timestamp]`}},
		{"unknown type of an API source's column", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, `type: "decimal(18,8)"`, `type: money`)
		}, []string{`config/sources/api.yaml: api source fx_rates: columns[1].type "money": must be one of [string boolean int bigint float double date timestamp], map<string,string> or decimal(p,s) with p up to 38`}},
		{"event ID not a column", func(t *testing.T) map[string]func(string) string {
			return replace(t, StreamsFile, "eventId: click_id", "eventId: id")
		}, []string{`config/sources/streams.yaml: stream clicks: eventId "id": must name a column of type string: the ID the streaming job deduplicates events by`}},
		{"event time not a column", func(t *testing.T) map[string]func(string) string {
			return replace(t, StreamsFile, "eventTime: clicked_at", "eventTime: ts")
		}, []string{`config/sources/streams.yaml: stream clicks: eventTime "ts": must name a column of type timestamp: the time the streaming job's watermark follows`}},
		{"key not a column", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "key: [currency, dt]", "key: [code, dt]")
		}, []string{`config/sources/api.yaml: api source fx_rates: key "code": must name distinct columns of the source (not a map) or dt (the ingestion day)`}},
		{"API source without a key", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "  key: [currency, dt]\n", "")
		}, []string{`config/sources/api.yaml: api source fx_rates: key []: must name the natural key, 1 to 32 columns: re-ingesting a record replaces the one with the same key`}},
		{"key on a map", func(t *testing.T) map[string]func(string) string {
			return map[string]func(string) string{APISourcesFile: func(s string) string {
				return strings.Replace(strings.Replace(s, "key: [currency, dt]", "key: [rate]", 1), `type: "decimal(18,8)"`, `type: "map<string,string>"`, 1)
			}}
		}, []string{`config/sources/api.yaml: api source fx_rates: key "rate": must name distinct columns of the source (not a map) or dt (the ingestion day)`}},
		{"key column twice", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "key: [currency, dt]", "key: [currency, currency]")
		}, []string{`config/sources/api.yaml: api source fx_rates: key "currency": must name distinct columns of the source (not a map) or dt (the ingestion day)`}},
		{"API source without columns", func(t *testing.T) map[string]func(string) string {
			return map[string]func(string) string{APISourcesFile: func(s string) string { return s[:strings.Index(s, "  columns:")] }}
		}, []string{
			`config/sources/api.yaml: api source fx_rates: columns 0: must list 1 to 200 columns`,
			`config/sources/api.yaml: api source fx_rates: key "currency": must name distinct columns of the source (not a map) or dt (the ingestion day)`,
		}},
		{"column twice", func(t *testing.T) map[string]func(string) string {
			return replace(t, StreamsFile, "name: user_id", "name: click_id")
		}, []string{`config/sources/streams.yaml: stream clicks: columns[1].name "click_id": must be unique in the source`}},
		{"cursor pagination without its header", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "  records: data\n", "  records: data\n  pagination: {type: header_cursor, param: after, maxPages: 5}\n")
		}, []string{`config/sources/api.yaml: api source fx_rates: pagination.header "": must name the response header that carries the next page's cursor`}},
		{"unknown pagination", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "  records: data\n", "  records: data\n  pagination: {type: offset}\n")
		}, []string{`config/sources/api.yaml: api source fx_rates: pagination.type "offset": must be "none" (the default) or "header_cursor"`}},
		{"too many pages", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "  records: data\n", "  records: data\n  pagination: {type: header_cursor, header: CB-AFTER, param: after, maxPages: 500}\n")
		}, []string{`config/sources/api.yaml: api source fx_rates: pagination.maxPages 500: must be from 1 to 100: the most pages one run pulls`}},
		{"non-https URL", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "url: https://api.example.com", "url: http://api.example.com")
		}, []string{`config/sources/api.yaml: api source fx_rates: url "http://api.example.com/v1/rates": must be an https:// URL with a host: the DAG pulls over TLS only`}},
		{"duplicate stream name", func(t *testing.T) map[string]func(string) string {
			return map[string]func(string) string{StreamsFile: func(s string) string { return s + s }}
		}, []string{`config/sources/streams.yaml: stream clicks: name "clicks": must be unique among the declared streams and API sources: the pipeline, dbt and the gold report name sources by it`}},
		{"duplicate API source name", func(t *testing.T) map[string]func(string) string {
			return map[string]func(string) string{APISourcesFile: func(s string) string { return s + s }}
		}, []string{`config/sources/api.yaml: api source fx_rates: name "fx_rates": must be unique among the declared streams and API sources: the pipeline, dbt and the gold report name sources by it`}},
		{"an API source named like a stream", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "name: fx_rates", "name: clicks")
		}, []string{`config/sources/api.yaml: api source clicks: name "clicks": must be unique among the declared streams and API sources: the pipeline, dbt and the gold report name sources by it`}},
		{"unknown field of a stream", func(t *testing.T) map[string]func(string) string {
			return replace(t, StreamsFile, "  columns:", "  colums:")
		}, []string{`config/sources/streams.yaml: stream clicks: field "colums": is not a field of a stream (line 5): a stream has name, columns, eventId, eventTime, format, compression`}},
		{"unknown field of a column", func(t *testing.T) map[string]func(string) string {
			return replace(t, APISourcesFile, "{name: currency, type: string}", "{name: currency, type: string, nullable: false}")
		}, []string{`config/sources/api.yaml: api source fx_rates: field "nullable": is not a field of a column (line 8): a column has name, type, personal`}},
		{"unknown field of a table's column", func(t *testing.T) map[string]func(string) string {
			return replace(t, ColumnsFile, "{personal: true}", "{pii: true}")
		}, []string{`config/sources/columns.yaml: column shop.buyers.email: field "pii": is not a field of a column's entry (line 2): a column's entry has personal`}},
		{"overlay naming no column", func(t *testing.T) map[string]func(string) string {
			return replace(t, ColumnsFile, "shop.buyers.email", "shop.buyers.e_mail")
		}, []string{`config/sources/columns.yaml: column "shop.buyers.e_mail": must name a column of a table of config/sources/database.sql, as schema.table.column`}},
		{"overlay naming no table", func(t *testing.T) map[string]func(string) string {
			return replace(t, ColumnsFile, "shop.buyers.email", "buyers.email")
		}, []string{`config/sources/columns.yaml: column "buyers.email": must name a column of a table of config/sources/database.sql, as schema.table.column`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, declarationErrors(c.edit(t)))
		})
	}
}

// TestReservedColumnNames: every column a job adds is refused as a stream's or an API source's
// column, compared without case ("op" is DMS's "Op"). Names that start with _ fail the name's
// own rule first: no declared column can take them.
func TestReservedColumnNames(t *testing.T) {
	reserved := reservedIn(All())
	require.Contains(t, reserved, BronzeCDCOpColumn)
	checked := 0
	for _, r := range reserved {
		name := strings.ToLower(r)
		if !columnNamePattern.MatchString(name) {
			require.True(t, strings.HasPrefix(name, "_"), "%s cannot be declared, and does not start with _", r)
			continue
		}
		checked++
		assert.Equal(t, []string{`config/sources/streams.yaml: stream clicks: columns[1].name "` + name + `": must not be, in any case, a column the jobs add: ` + strings.Join(reserved, ", ")},
			declarationErrors(replace(t, StreamsFile, "name: user_id", "name: "+name)), r)
		assert.Equal(t, []string{`config/sources/api.yaml: api source fx_rates: columns[1].name "` + name + `": must not be, in any case, a column the jobs add: ` + strings.Join(reserved, ", ")},
			declarationErrors(replace(t, APISourcesFile, "name: rate", "name: "+name)), r)
	}
	assert.GreaterOrEqual(t, checked, 8, "Op, the commit time, the change sequence, dt, event_date, source, record, reason")
}

// TestReservedColumnsAreTheJobsColumns: the list holds every column silver's tables have beside
// a source's own, so a job's column that is missing from it is found.
func TestReservedColumnsAreTheJobsColumns(t *testing.T) {
	for _, e := range All() {
		reserved := e.ReservedColumns()
		own := map[string]bool{}
		for _, tbl := range e.Silver.Tables {
			for _, c := range tbl.Columns {
				own[c.Name] = true
			}
		}
		for _, s := range e.Silver.APISources {
			for _, c := range s.Columns {
				own[c.Name] = true
			}
		}
		for _, s := range e.Streaming.Streams {
			for _, c := range s.Columns {
				own[c.Name] = true
			}
		}
		for _, st := range e.SilverTables() {
			if st.Name == SilverWatermarks().Name || st.Name == SilverTablesCreated().Name {
				continue // the batch job's own tables: no source's columns beside them
			}
			for _, c := range append(st.Columns, st.PartitionKeys...) {
				assert.True(t, own[c.Name] || slices.Contains(reserved, c.Name), "%s: %s.%s is added by a job and not reserved", e.Name, st.Name, c.Name)
			}
		}
	}
}

// TestADeclarationErrorStopsTheEnvironments: a bad declaration is reported once, in its file's
// terms, not again by every environment that runs it.
func TestADeclarationErrorStopsTheEnvironments(t *testing.T) {
	d := fixtureDeclarations(replace(t, StreamsFile, "eventTime: clicked_at", "eventTime: ts\n  format: avro"))
	e := staging()
	e.Streaming = e.Streaming.resolvedFrom(d.streams)
	e.Warehouse.Serving.Stream = "clicks"
	err := validate(d, fixtureTables(), []Environment{e})
	assert.EqualError(t, err, `config/sources/streams.yaml: stream clicks: eventTime "ts": must name a column of type timestamp: the time the streaming job's watermark follows
config/sources/streams.yaml: stream clicks: format "avro": must be "json" (the default) or "parquet"`)
}

// TestStreamsResolveDefaultsThenOverrides: a stream takes its declaration's format and
// compression and the environment's defaults, and an override replaces only what it sets.
func TestStreamsResolveDefaultsThenOverrides(t *testing.T) {
	declarations := fixtureDeclarations(map[string]func(string) string{StreamsFile: func(s string) string {
		return s + strings.ReplaceAll(s, "clicks", "views") + "  format: parquet\n  compression: UNCOMPRESSED\n"
	}}).streams
	require.Len(t, declarations, 2)
	defaults := StreamSettings{Mode: StreamProvisioned, Shards: 1, RetentionHours: 24, BufferingIntervalSeconds: 60, BufferingSizeMB: 64,
		Speed: StreamSpeed{TriggerSeconds: 60, MaxFilesPerTrigger: 100, WatermarkSeconds: 600}}
	bySize := StreamSpeed{TriggerSeconds: 30, MaxBytesPerTrigger: gigabyte, WatermarkSeconds: 900}
	s := Streaming{Defaults: defaults, Overrides: map[string]StreamOverride{
		"views": {Mode: new(StreamOnDemand), Shards: new(0), BufferingIntervalSeconds: new(0), Format: new(FormatJSON), Compression: new(CompressionGzip), Speed: bySize},
	}}.resolvedFrom(declarations)
	clicks := Stream{Name: "clicks", Mode: StreamProvisioned, Shards: 1, RetentionHours: 24, BufferingIntervalSeconds: 60, BufferingSizeMB: 64,
		Compression: CompressionGzip, Format: FormatJSON, Columns: declarations[0].Columns, EventID: "click_id", EventTime: "clicked_at", Speed: defaults.Speed}
	views := Stream{Name: "views", Mode: StreamOnDemand, Shards: 0, RetentionHours: 24, BufferingIntervalSeconds: 0, BufferingSizeMB: 64,
		Compression: CompressionGzip, Format: FormatJSON, Columns: declarations[1].Columns, EventID: "click_id", EventTime: "clicked_at", Speed: bySize}
	assert.Equal(t, []Stream{clicks, views}, s.Streams)
	// Without the override, views keeps its declaration's Parquet.
	delete(s.Overrides, "views")
	assert.Equal(t, FormatParquet, s.resolvedFrom(declarations).Streams[1].Format)
}

// TestColumnMetadataReachesTheTables: columns.yaml's flags land on the replicated tables'
// columns, and on no other.
func TestColumnMetadataReachesTheTables(t *testing.T) {
	tables := []ReplicatedTable{{Schema: "shop", Table: "buyers", Key: []string{"buyer_id"},
		Columns: []Column{{Name: "buyer_id", Type: "bigint"}, {Name: "email", Type: "string"}}}}
	got := fixtureDeclarations(nil).withColumnMetadata(tables)
	assert.Equal(t, []Column{{Name: "buyer_id", Type: "bigint"}, {Name: "email", Type: "string", Personal: true}}, got[0].Columns)
	assert.False(t, tables[0].Columns[1].Personal, "the tables given are left as they were")
}

// TestCommittedDeclarationsAreRead: the committed files decode, and every environment runs
// every declared stream and API source.
func TestCommittedDeclarationsAreRead(t *testing.T) {
	d := committedDeclarations()
	require.Empty(t, d.errs)
	require.NotEmpty(t, d.streams)
	for _, e := range All() {
		var streams, sources []string
		for _, s := range e.Streaming.Streams {
			streams = append(streams, s.Name)
		}
		for _, s := range e.Silver.APISources {
			sources = append(sources, s.Name)
		}
		var declaredStreams, declaredSources []string
		for _, s := range d.streams {
			declaredStreams = append(declaredStreams, s.Name)
		}
		for _, s := range d.apiSources {
			declaredSources = append(declaredSources, s.Name)
		}
		assert.Equal(t, declaredStreams, streams, e.Name)
		assert.Equal(t, declaredSources, sources, e.Name)
	}
}

// TestYAMLSyntaxErrorNamesTheFile: a file that is not YAML is one line naming it.
func TestYAMLSyntaxErrorNamesTheFile(t *testing.T) {
	got := declarationErrors(map[string]func(string) string{StreamsFile: func(string) string { return "- name: [clicks\n" }})
	require.Len(t, got, 1)
	assert.Regexp(t, regexp.MustCompile(`^config/sources/streams\.yaml: `), got[0])
}
