package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The declaration files: the sources a team declares once, for every environment
// (docs/sources.md). Go reads them when it is built (go:embed), so synth needs nothing else.
const (
	StreamsFile    = "config/sources/streams.yaml"
	APISourcesFile = "config/sources/api.yaml"
	ColumnsFile    = "config/sources/columns.yaml"
)

var (
	//go:embed sources/streams.yaml
	streamsYAML []byte
	//go:embed sources/api.yaml
	apiSourcesYAML []byte
	//go:embed sources/columns.yaml
	columnsYAML []byte
)

// StreamDeclaration is one stream of config/sources/streams.yaml: what it carries, the same in
// every environment. Each environment's Streaming resolves it into a Stream.
type StreamDeclaration struct {
	Name        string      `yaml:"name"`
	Columns     []Column    `yaml:"columns"`
	EventID     string      `yaml:"eventId"`
	EventTime   string      `yaml:"eventTime"`
	Format      Format      `yaml:"format"`
	Compression Compression `yaml:"compression"`
}

// ColumnMetadata is what config/sources/columns.yaml says of one column of a replicated table,
// and a stream's or API source's column says of itself.
type ColumnMetadata struct {
	// Personal marks personal data.
	Personal bool `yaml:"personal"`
}

// Defaults of a stream declaration that leaves format or compression out.
const (
	defaultStreamFormat      = FormatJSON
	defaultStreamCompression = CompressionGzip
)

// declarations are the declared sources, as read from their files.
type declarations struct {
	streams    []StreamDeclaration
	apiSources []APISource
	// columns is config/sources/columns.yaml: metadata by schema.table.column.
	columns map[string]ColumnMetadata
	// errs are what kept a file from being read (YAML syntax, an unknown field): Validate
	// reports them before anything else.
	errs Errors
}

// committedDeclarations are the committed files' declarations, read once.
var committedDeclarations = sync.OnceValue(func() declarations {
	return readDeclarations(streamsYAML, apiSourcesYAML, columnsYAML)
})

// readDeclarations decodes the three files strictly: a field a declaration does not have is
// an error, not silently ignored.
func readDeclarations(streams, apiSources, columns []byte) declarations {
	var d declarations
	d.errs = slices.Concat(
		decodeStrict(StreamsFile, "stream", streams, &d.streams),
		decodeStrict(APISourcesFile, "api source", apiSources, &d.apiSources),
		decodeStrict(ColumnsFile, "column", columns, &d.columns),
	)
	for i := range d.streams {
		if d.streams[i].Format == "" {
			d.streams[i].Format = defaultStreamFormat
		}
		if d.streams[i].Compression == "" {
			d.streams[i].Compression = defaultStreamCompression
		}
	}
	return d
}

// DeclaredStreams are config/sources/streams.yaml's streams, in its order (copies: a caller may
// change them).
func DeclaredStreams() []StreamDeclaration {
	out := slices.Clone(committedDeclarations().streams)
	for i := range out {
		out[i].Columns = slices.Clone(out[i].Columns)
	}
	return out
}

// DeclaredAPISources are config/sources/api.yaml's sources, in its order (copies: a caller may
// change them).
func DeclaredAPISources() []APISource {
	out := slices.Clone(committedDeclarations().apiSources)
	for i := range out {
		out[i].Params = maps.Clone(out[i].Params)
		out[i].Key = slices.Clone(out[i].Key)
		out[i].Columns = slices.Clone(out[i].Columns)
	}
	return out
}

// withColumnMetadata is tables with config/sources/columns.yaml's metadata on their columns.
func withColumnMetadata(tables []ReplicatedTable) []ReplicatedTable {
	return committedDeclarations().withColumnMetadata(tables)
}

// withColumnMetadata is tables with d's column metadata on their columns.
func (d declarations) withColumnMetadata(tables []ReplicatedTable) []ReplicatedTable {
	out := slices.Clone(tables)
	for i, t := range out {
		out[i].Columns = slices.Clone(t.Columns)
		for j, c := range out[i].Columns {
			if m, ok := d.columns[t.Name()+"."+c.Name]; ok {
				out[i].Columns[j].Personal = m.Personal
			}
		}
	}
	return out
}

// declaredKinds name, in messages, the types a declaration file decodes into.
var declaredKinds = map[string]reflect.Type{
	"stream":         reflect.TypeFor[StreamDeclaration](),
	"api source":     reflect.TypeFor[APISource](),
	"column":         reflect.TypeFor[Column](),
	"pagination":     reflect.TypeFor[Pagination](),
	"column's entry": reflect.TypeFor[ColumnMetadata](),
}

var (
	yamlLine     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+\.(\w+)$`)
)

// decodeStrict decodes file's data into out, refusing fields out's types do not have, and
// words each problem as a declaration error: the file, the source it is in, and what is wrong.
func decodeStrict(file, kind string, data []byte, out any) Errors {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	decoder.KnownFields(true)
	err := decoder.Decode(out)
	if err == nil || errors.Is(err, io.EOF) { // io.EOF: only comments, no sources
		return nil
	}
	problems := []string{err.Error()}
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		problems = typeErr.Errors
	}
	var errs Errors
	for _, p := range problems {
		errs = append(errs, yamlError(file, kind, data, p))
	}
	return errs
}

// yamlError words one problem the YAML decoder found.
func yamlError(file, kind string, data []byte, problem string) *FieldError {
	m := yamlLine.FindStringSubmatch(problem)
	if m == nil {
		return &FieldError{Env: file, Field: "yaml", Value: problem, Allowed: "must be YAML: a list of declarations as docs/sources.md shows"}
	}
	line, _ := strconv.Atoi(m[1])
	where := file
	if name := sourceAt(data, line); name != "" {
		where = fmt.Sprintf("%s: %s %s", file, kind, name)
	}
	if f := unknownField.FindStringSubmatch(m[2]); f != nil {
		for what, t := range declaredKinds {
			if t.Name() == f[2] {
				return &FieldError{Env: where, Field: "field", Value: f[1],
					Allowed: fmt.Sprintf("is not a field of a %s (line %d): a %s has %s", what, line, what, strings.Join(yamlFields(t), ", "))}
			}
		}
	}
	return &FieldError{Env: where, Field: fmt.Sprintf("line %d", line), Value: m[2], Allowed: "must be the declaration's fields, each of its type, as docs/sources.md shows"}
}

// yamlFields are the YAML names of t's fields.
func yamlFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// sourceAt is the name of the declaration that holds line: the name field of a list's item, or
// the key of a map's entry; "" when there is none.
func sourceAt(data []byte, line int) string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return ""
	}
	top, name := doc.Content[0], ""
	switch top.Kind {
	case yaml.SequenceNode:
		for _, item := range top.Content {
			if item.Line > line {
				break
			}
			name = ""
			for i := 0; i+1 < len(item.Content); i += 2 {
				if item.Content[i].Value == "name" {
					name = item.Content[i+1].Value
				}
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(top.Content) && top.Content[i].Line <= line; i += 2 {
			name = top.Content[i].Value
		}
	}
	return name
}

// declaredSource is one declared source with what its rules compare it with.
type declaredSource[T any] struct {
	value T
	// before are the names of the sources declared before it: streams, then API sources.
	before []string
	// reserved are the columns the jobs add (Environment.ReservedColumns, of every environment).
	reserved []string
}

// declaredColumn is one column of a declared source, with the reserved names.
type declaredColumn struct {
	Column
	reserved []string
}

// declarationRules check each file's declarations; Rules describes them, with the file, at the
// setting each field becomes.
var declarationRules = []struct {
	file    string
	setting func(field string) string
	rules   describer
}{
	{StreamsFile, func(field string) string { return "streaming.streams[]." + field }, streamDeclarationRules},
	{APISourcesFile, func(field string) string { return "silver.apiSources[]." + field }, apiSourceRules},
	{ColumnsFile, func(string) string { return "silver.tables[].columns[].personal" }, overlayRules},
}

// validate reports the problems of the declarations, each as a line naming its file and
// source; reserved are the column names no source may declare, tables the replicated tables
// columns.yaml's keys must name columns of.
func (d declarations) validate(reserved []string, tables []SourceTable) Errors {
	if len(d.errs) > 0 {
		return d.errs
	}
	v := &validator{}
	var names []string
	for i, s := range d.streams {
		v.env = sourceLabel(StreamsFile, "stream", s.Name, i)
		streamDeclarationRules.run(v, nil, declaredSource[StreamDeclaration]{s, names, reserved})
		names = append(names, s.Name)
	}
	for i, s := range d.apiSources {
		v.env = sourceLabel(APISourcesFile, "api source", s.Name, i)
		apiSourceRules.run(v, nil, declaredSource[APISource]{s, names, reserved})
		names = append(names, s.Name)
	}
	v.env = ColumnsFile
	for _, key := range slices.Sorted(maps.Keys(d.columns)) {
		overlayRules.run(v, nil, overlayEntry{key, d.columns[key], tables})
	}
	return v.errs
}

// sourceLabel is where a declaration's problems are: its file, kind and name (its position
// while it has none).
func sourceLabel(file, kind, name string, i int) string {
	if name == "" {
		name = fmt.Sprintf("[%d]", i)
	}
	return fmt.Sprintf("%s: %s %s", file, kind, name)
}

// sourceNameRule: a source's name is unique among every declared source, whatever its kind:
// the pipeline (--only), dbt and the gold report name sources by it alone.
func sourceNameRule[T any](name func(T) string) rule[declaredSource[T]] {
	return rule[declaredSource[T]]{Field: "name", Allowed: "must be unique among the declared streams and API sources: the pipeline, dbt and the gold report name sources by it",
		check: func(f field, s declaredSource[T]) { f.check(!slices.Contains(s.before, name(s.value)), name(s.value)) }}
}

// reservedAllowed says which names ReservedColumns holds, in words true for every environment.
var reservedAllowed = "must not be, in any case, a column the jobs add (Environment.ReservedColumns): " +
	strings.Join(slices.DeleteFunc(Environment{}.ReservedColumns(), func(s string) bool { return s == "" }), ", ") + " or cdc.timestampColumnName"

// declaredColumnRules check one column of a stream or an API source; typeOK and typeAllowed
// are the types the kind of source allows.
func declaredColumnRules(typeOK func(string) bool, typeAllowed string) rules[listed[declaredColumn]] {
	return rules[listed[declaredColumn]]{
		{Field: "columns[].name", Allowed: "must be 1-128 lowercase letters, digits or underscores, starting with a letter", check: func(f field, c listed[declaredColumn]) {
			f.check(columnNamePattern.MatchString(c.value.Name), c.value.Name)
		}},
		{Field: "columns[].name", Allowed: reservedAllowed, check: func(f field, c listed[declaredColumn]) {
			f.checkf(!slices.ContainsFunc(c.value.reserved, func(r string) bool { return strings.EqualFold(r, c.value.Name) }), c.value.Name,
				"must not be, in any case, a column the jobs add: %s", strings.Join(c.value.reserved, ", "))
		}},
		{Field: "columns[].name", Allowed: "must be unique in the source", check: func(f field, c listed[declaredColumn]) {
			f.check(!slices.ContainsFunc(c.earlier, func(o declaredColumn) bool { return strings.EqualFold(o.Name, c.value.Name) }), c.value.Name)
		}},
		{Field: "columns[].type", Allowed: typeAllowed, check: func(f field, c listed[declaredColumn]) {
			f.check(typeOK(c.value.Type), c.value.Type)
		}},
	}
}

// declaredColumns are a source's columns with the reserved names.
func declaredColumns[T any](columns func(T) []Column) func(declaredSource[T]) []declaredColumn {
	return func(s declaredSource[T]) []declaredColumn {
		out := make([]declaredColumn, len(columns(s.value)))
		for i, c := range columns(s.value) {
			out[i] = declaredColumn{c, s.reserved}
		}
		return out
	}
}

// hasTypedColumn reports whether columns has one of this name and type.
func hasTypedColumn(columns []Column, name, kind string) bool {
	return slices.ContainsFunc(columns, func(c Column) bool { return c.Name == name && c.Type == kind })
}

// streamDeclarationRules check one stream of config/sources/streams.yaml. What depends on the
// environment (capacity, buffering, the name's length with the prefix) is checked in each
// environment, on the stream it resolves.
var streamDeclarationRules = rules[declaredSource[StreamDeclaration]]{
	{Field: "name", Allowed: "must be 1-64 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
		check: func(f field, s declaredSource[StreamDeclaration]) {
			f.check(streamNamePattern.MatchString(s.value.Name), s.value.Name)
		}},
	sourceNameRule(func(s StreamDeclaration) string { return s.Name }),
	{Field: "columns", Allowed: "must declare 1 to 200 columns: the stream's schema, which Firehose (Parquet) and the streaming job read records by",
		check: func(f field, s declaredSource[StreamDeclaration]) {
			f.check(len(s.value.Columns) >= 1 && len(s.value.Columns) <= 200, len(s.value.Columns))
		}},
	each(declaredColumnRules(func(t string) bool { return slices.Contains(ColumnTypes, t) }, fmt.Sprintf("must be one of %v", ColumnTypes)),
		declaredColumns(func(s StreamDeclaration) []Column { return s.Columns })),
	// Against declared columns only: a stream without any has one error, above.
	only(func(s declaredSource[StreamDeclaration]) bool { return len(s.value.Columns) > 0 }, rules[declaredSource[StreamDeclaration]]{
		{Field: "eventId", Allowed: "must name a column of type string: the ID the streaming job deduplicates events by",
			check: func(f field, s declaredSource[StreamDeclaration]) {
				f.check(hasTypedColumn(s.value.Columns, s.value.EventID, "string"), s.value.EventID)
			}},
		{Field: "eventTime", Allowed: "must name a column of type timestamp: the time the streaming job's watermark follows",
			check: func(f field, s declaredSource[StreamDeclaration]) {
				f.check(hasTypedColumn(s.value.Columns, s.value.EventTime, "timestamp"), s.value.EventTime)
			}},
	}),
	{Field: "format", Allowed: fmt.Sprintf("must be %q (the default) or %q", FormatJSON, FormatParquet), check: func(f field, s declaredSource[StreamDeclaration]) {
		f.check(s.value.Format == FormatJSON || s.value.Format == FormatParquet, string(s.value.Format))
	}},
	{Field: "compression", Allowed: fmt.Sprintf("must be one of %v (%s by default)", compressions, defaultStreamCompression), check: func(f field, s declaredSource[StreamDeclaration]) {
		f.check(slices.Contains(compressions, s.value.Compression), string(s.value.Compression))
	}},
}

// Pagination types of an API source.
const (
	PaginationNone         = "none"
	PaginationHeaderCursor = "header_cursor"
	// MaxPages bounds a paginated source's pages per run.
	MaxPages = 100
)

func isHeaderCursor(s declaredSource[APISource]) bool {
	return s.value.Pagination.Type == PaginationHeaderCursor
}

// apiSourceRules check one source of config/sources/api.yaml.
var apiSourceRules = rules[declaredSource[APISource]]{
	{Field: "name", Allowed: "must be an API source name: 2-63 lowercase letters, digits or _, starting with a letter", check: func(f field, s declaredSource[APISource]) {
		f.check(apiSourcePattern.MatchString(s.value.Name), s.value.Name)
	}},
	sourceNameRule(func(s APISource) string { return s.Name }),
	{Field: "url", Allowed: "must be an https:// URL with a host: the DAG pulls over TLS only", check: func(f field, s declaredSource[APISource]) {
		f.check(httpsURL.MatchString(s.value.URL), s.value.URL)
	}},
	{Field: "pagination.type", Allowed: fmt.Sprintf("must be %q (the default) or %q", PaginationNone, PaginationHeaderCursor), check: func(f field, s declaredSource[APISource]) {
		t := s.value.Pagination.Type
		f.check(t == "" || t == PaginationNone || t == PaginationHeaderCursor, t)
	}},
	only(isHeaderCursor, rules[declaredSource[APISource]]{
		{Field: "pagination.header", Allowed: "must name the response header that carries the next page's cursor", check: func(f field, s declaredSource[APISource]) {
			f.check(s.value.Pagination.Header != "", s.value.Pagination.Header)
		}},
		{Field: "pagination.param", Allowed: "must name the query parameter that sends the cursor back", check: func(f field, s declaredSource[APISource]) {
			f.check(s.value.Pagination.Param != "", s.value.Pagination.Param)
		}},
		{Field: "pagination.maxPages", Allowed: fmt.Sprintf("must be from 1 to %d: the most pages one run pulls", MaxPages), check: func(f field, s declaredSource[APISource]) {
			f.check(s.value.Pagination.MaxPages >= 1 && s.value.Pagination.MaxPages <= MaxPages, s.value.Pagination.MaxPages)
		}},
	}),
	{Field: "columns", Allowed: "must list 1 to 200 columns", check: func(f field, s declaredSource[APISource]) {
		f.check(len(s.value.Columns) >= 1 && len(s.value.Columns) <= 200, len(s.value.Columns))
	}},
	each(declaredColumnRules(func(t string) bool {
		return slices.Contains(ColumnTypes, t) || t == mapType || decimalPattern.MatchString(t)
	},
		fmt.Sprintf("must be one of %v, %s or decimal(p,s) with p up to 38", ColumnTypes, mapType)),
		declaredColumns(func(s APISource) []Column { return s.Columns })),
	{Field: "key", Allowed: "must name the natural key, 1 to 32 columns: re-ingesting a record replaces the one with the same key", stop: true,
		check: func(f field, s declaredSource[APISource]) {
			f.check(len(s.value.Key) >= 1 && len(s.value.Key) <= 32, s.value.Key)
		}},
	{Field: "key", Allowed: "must name distinct columns of the source (not a map) or dt (the ingestion day)", check: func(f field, s declaredSource[APISource]) {
		for i, k := range s.value.Key {
			ok := k == BronzeAPIDayColumn || slices.ContainsFunc(s.value.Columns, func(c Column) bool { return c.Name == k && c.Type != mapType })
			if !ok || slices.Contains(s.value.Key[:i], k) {
				f.check(false, k)
				return
			}
		}
	}},
}

var httpsURL = regexp.MustCompile(`^https://[^/?#@\s]+(/\S*)?$`)

// overlayEntry is one entry of config/sources/columns.yaml with the tables it must name.
type overlayEntry struct {
	key    string
	meta   ColumnMetadata
	tables []SourceTable
}

// overlayRules check one entry of config/sources/columns.yaml.
var overlayRules = rules[overlayEntry]{
	{Field: "column", Allowed: "must name a column of a table of config/sources/database.sql, as schema.table.column", check: func(f field, o overlayEntry) {
		f.check(slices.ContainsFunc(o.tables, func(t SourceTable) bool {
			return slices.ContainsFunc(t.Columns, func(c SourceColumn) bool { return t.Schema+"."+t.Table+"."+c.Name == o.key })
		}), o.key)
	}},
}
