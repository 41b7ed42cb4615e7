package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Streaming configures the Kinesis data streams that applications write events to, and the
// Firehose delivery of each stream into the bronze bucket. The streams are declared once, for
// every environment, in config/sources/streams.yaml; an environment sets how it runs them.
type Streaming struct {
	// Defaults are how the environment runs every declared stream: capacity, retention,
	// buffering and the speed layer's settings.
	Defaults StreamSettings
	// Overrides change, for the declared stream each key names, the defaults and the
	// declaration's format and compression in this environment; a field left out keeps them.
	Overrides map[string]StreamOverride
	// Streams are the declared streams as this environment runs them: each declaration with
	// Defaults and its override. Filled by resolved(), which ends every environment's Streaming:
	// not set by hand.
	Streams []Stream
	// LogRetentionDays keeps Firehose delivery-error logs this long; a CloudWatch Logs retention.
	LogRetentionDays int
	// SpeedLayer runs the jobs bundle's continuous streaming job, which keeps one silver Delta
	// table per stream from Firehose's bronze files (docs/jobs.md). It needs databricks.enabled.
	SpeedLayer bool
}

// StreamSettings are how an environment runs a stream, whatever the stream carries.
type StreamSettings struct {
	// Mode is StreamOnDemand (scales and bills per GB) or StreamProvisioned (bills per shard).
	Mode StreamMode
	// Shards is the shard count of a provisioned stream (1 MB/s or 1000 records/s in each);
	// 0 for an on-demand stream.
	Shards int
	// RetentionHours keeps records readable in the stream this long: 24 to 8760 (365 days).
	RetentionHours int
	// BufferingIntervalSeconds is how long Firehose gathers records before writing a file: 0-900.
	BufferingIntervalSeconds int
	// BufferingSizeMB is how much Firehose gathers before writing a file: 1-128, and at least
	// 64 with Parquet. Whichever limit is reached first writes the file.
	BufferingSizeMB int
	// Speed is how the streaming job reads the stream; read only where streaming.speedLayer is on.
	Speed StreamSpeed
}

// StreamOverride changes, for one stream in one environment, what Defaults and its declaration
// set: each field that is set (not nil) replaces theirs.
type StreamOverride struct {
	// Mode replaces the defaults' capacity mode.
	Mode *StreamMode
	// Shards replaces the defaults' shard count.
	Shards *int
	// RetentionHours replaces the defaults' retention.
	RetentionHours *int
	// BufferingIntervalSeconds replaces the defaults' buffering interval.
	BufferingIntervalSeconds *int
	// BufferingSizeMB replaces the defaults' buffering size.
	BufferingSizeMB *int
	// Speed, when its triggerSeconds is set, replaces the defaults' speed settings whole
	// (exactly one of the two caps is set, so they go together).
	Speed StreamSpeed
	// Format replaces the declaration's format.
	Format *Format
	// Compression replaces the declaration's compression.
	Compression *Compression
}

// resolved is s with Streams: every stream of config/sources/streams.yaml, in its order, with
// Defaults and its override. Every environment's Streaming ends with it, so a stream added to
// the file reaches every environment without an edit there.
func (s Streaming) resolved() Streaming {
	return s.resolvedFrom(DeclaredStreams())
}

// resolvedFrom is s with Streams: each of declarations with Defaults and its override.
func (s Streaming) resolvedFrom(declarations []StreamDeclaration) Streaming {
	s.Streams = nil
	for _, d := range declarations {
		s.Streams = append(s.Streams, s.resolve(d))
	}
	return s
}

// resolve is the stream d as this environment runs it.
func (s Streaming) resolve(d StreamDeclaration) Stream {
	o, def := s.Overrides[d.Name], s.Defaults
	speed := def.Speed
	if o.Speed.TriggerSeconds != 0 {
		speed = o.Speed
	}
	return Stream{
		Name: d.Name, Mode: or(o.Mode, def.Mode), Shards: or(o.Shards, def.Shards), RetentionHours: or(o.RetentionHours, def.RetentionHours),
		BufferingIntervalSeconds: or(o.BufferingIntervalSeconds, def.BufferingIntervalSeconds), BufferingSizeMB: or(o.BufferingSizeMB, def.BufferingSizeMB),
		Compression: or(o.Compression, d.Compression), Format: or(o.Format, d.Format),
		Columns: d.Columns, EventID: d.EventID, EventTime: d.EventTime, Speed: speed,
	}
}

// or is *p when p is set, else v.
func or[T any](p *T, v T) T {
	if p != nil {
		return *p
	}
	return v
}

// Stream is one Kinesis data stream and its Firehose delivery to bronze/kinesis/<Name>/: a
// declaration of config/sources/streams.yaml as one environment runs it.
type Stream struct {
	// Name is the stream's short name, declared: 1-64 lowercase letters, digits or hyphens,
	// unique among the declared sources. It names the AWS resources (<prefix>-<env>-<Name>) and
	// the bronze prefix.
	Name string
	// Mode is StreamOnDemand (scales and bills per GB) or StreamProvisioned (bills per shard).
	Mode StreamMode
	// Shards is the shard count of a provisioned stream (1 MB/s or 1000 records/s in each);
	// 0 for an on-demand stream.
	Shards int
	// RetentionHours keeps records readable in the stream this long: 24 to 8760 (365 days).
	RetentionHours int
	// BufferingIntervalSeconds is how long Firehose gathers records before writing a file: 0-900.
	BufferingIntervalSeconds int
	// BufferingSizeMB is how much Firehose gathers before writing a file: 1-128, and at least
	// 64 when Format is FormatParquet. Whichever limit is reached first writes the file.
	BufferingSizeMB int
	// Compression is Firehose's compression of the files it writes (CompressionGzip, ...).
	// It must be CompressionNone with Parquet, which compresses its own pages (Snappy).
	Compression Compression
	// Format is FormatJSON (records as sent) or FormatParquet (converted through Columns).
	Format Format
	// Columns are a record's declared fields, read by name from the JSON producers send: the
	// schema Firehose converts a Parquet stream through (its Glue table lives in the Streaming
	// stack), and the schema the streaming job reads every stream by, never inferred. A field
	// not declared here is not read; declaring it adds a nullable column to the silver table.
	Columns []Column
	// EventID is the column, of type string, that identifies an event: the streaming job keeps
	// one row per event ID, however often producers or Firehose deliver it.
	EventID string `config:"eventId"`
	// EventTime is the column, of type timestamp, of when the event happened: the streaming
	// job's watermark and the silver table's day partition follow it.
	EventTime string
	// Speed is how the streaming job reads this stream; read only where streaming.speedLayer is on.
	Speed StreamSpeed
}

// StreamSpeed is one stream's query in the streaming job (the speed layer).
type StreamSpeed struct {
	// TriggerSeconds is the micro-batch interval: how often the query looks for new files.
	TriggerSeconds int
	// MaxFilesPerTrigger caps the files one micro-batch reads (0: MaxBytesPerTrigger caps it).
	MaxFilesPerTrigger int
	// MaxBytesPerTrigger caps the bytes one micro-batch reads (0: MaxFilesPerTrigger caps it).
	// Exactly one of the two is set, so a backlog is worked off in bounded batches.
	MaxBytesPerTrigger int
	// WatermarkSeconds is how late, behind the newest event seen, an event may arrive and
	// still be deduplicated into the silver table; a later one goes to the stream's late table.
	// At least BufferingIntervalSeconds: Firehose holds on-time events that long by design.
	WatermarkSeconds int
}

// StreamMode is the capacity mode of a Kinesis data stream.
type StreamMode string

// Capacity modes of a Kinesis data stream.
const (
	StreamOnDemand    StreamMode = "on-demand"
	StreamProvisioned StreamMode = "provisioned"
)

// Compression is the compression format of the files Firehose writes to S3.
type Compression string

// Compression formats Firehose accepts for an S3 destination.
const (
	CompressionNone         Compression = "UNCOMPRESSED"
	CompressionGzip         Compression = "GZIP"
	CompressionSnappy       Compression = "Snappy"
	CompressionHadoopSnappy Compression = "HADOOP_SNAPPY"
	CompressionZip          Compression = "ZIP"
)

var compressions = []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionHadoopSnappy, CompressionZip}

// Format is the format of the files Firehose writes to S3.
type Format string

// Formats of the files Firehose writes to S3.
const (
	// FormatJSON writes the records as producers sent them (JSON lines, compressed).
	FormatJSON Format = "json"
	// FormatParquet converts JSON records to Parquet through the stream's Columns.
	FormatParquet Format = "parquet"
)

// Column is one column of a source's schema.
type Column struct {
	// Name is the JSON field and column name: lowercase letters, digits and underscores.
	Name string `yaml:"name"`
	// Type is a Hive type from ColumnTypes, e.g. string, bigint, double, timestamp.
	Type string `yaml:"type"`
	// Personal marks the column as personal data: declared on a stream's or API source's
	// column, or for a replicated table's in config/sources/columns.yaml.
	Personal bool `yaml:"personal"`
}

// JobColumns are the columns the jobs add next to a source's own (the raw record and why it
// was quarantined); ReservedColumns holds them with the others.
var JobColumns = []string{"record", "reason"}

// ColumnTypes are the Hive column types a stream's schema may use.
var ColumnTypes = []string{"string", "boolean", "int", "bigint", "float", "double", "date", "timestamp"}

// Limits of Kinesis Data Streams and Firehose that validation enforces.
const (
	MinStreamRetentionHours = 24
	MaxStreamRetentionHours = 8760
	MaxBufferingSeconds     = 900
	MaxBufferingSizeMB      = 128
	// MinParquetBufferingSizeMB is Firehose's minimum buffer with record format conversion.
	MinParquetBufferingSizeMB = 64
	// MaxDeliveryStreamNameLength is Firehose's limit on a delivery stream's name.
	MaxDeliveryStreamNameLength = 64
)

var (
	streamNamePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)
	columnNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,127}$`)
)

var streamingRules = rules[Environment]{
	{Field: "streaming.streams", Allowed: "must hold at least one stream (declare one in " + StreamsFile + "): the Streaming stack exists to deliver them",
		check: func(f field, e Environment) { f.check(len(e.Streaming.Streams) >= 1, len(e.Streaming.Streams)) }},
	eachKey(rules[keyed[StreamOverride]]{
		{Field: "streaming.overrides[]", Allowed: "must name a stream declared in " + StreamsFile, check: func(f field, o keyed[StreamOverride]) {
			declared := DeclaredStreams()
			names := make([]string, len(declared))
			for i, d := range declared {
				names[i] = d.Name
			}
			f.checkf(slices.Contains(names, o.key), o.key, "must name a stream declared in %s (%s)", StreamsFile, strings.Join(names, ", "))
		}},
	}, func(e Environment) map[string]StreamOverride { return e.Streaming.Overrides }),
	{Field: "streaming.logRetentionDays", Allowed: logRetentionAllowed, check: func(f field, e Environment) {
		f.check(slices.Contains(LogRetentionDays, e.Streaming.LogRetentionDays), e.Streaming.LogRetentionDays)
	}},
	{Field: "streaming.speedLayer", Allowed: "must be off unless databricks.enabled: the streaming job runs on Databricks", check: func(f field, e Environment) {
		f.check(!e.Streaming.SpeedLayer || e.Databricks.Enabled, e.Streaming.SpeedLayer)
	}},
	each(streamRules, func(e Environment) []streamIn {
		streams := make([]streamIn, len(e.Streaming.Streams))
		for i, s := range e.Streaming.Streams {
			streams[i] = streamIn{s, e}
		}
		return streams
	}),
}

// streamIn is a stream and the environment whose prefix and name start its resources' names.
type streamIn struct {
	Stream
	env Environment
}

func isParquet(s listed[streamIn]) bool { return s.value.Format == FormatParquet }

// streamRules check how one environment runs one stream; its declaration's own rules
// (streamDeclarationRules) check what it carries. The rules of a mode or format apply to streams
// of it only.
var streamRules = rules[listed[streamIn]]{
	{Field: "streaming.streams[].name", Allowed: fmt.Sprintf("must keep the delivery stream name <prefix>-<env>-<name> within Firehose's %d characters", MaxDeliveryStreamNameLength),
		check: func(f field, s listed[streamIn]) {
			if !streamNamePattern.MatchString(s.value.Name) {
				return
			}
			name := s.value.env.DeliveryStreamName(s.value.Name)
			f.checkf(len(name) <= MaxDeliveryStreamNameLength, s.value.Name,
				"makes delivery stream name %s %d characters long; Firehose allows %d: shorten the name or prefix", name, len(name), MaxDeliveryStreamNameLength)
		}},
	{Field: "streaming.streams[].shards", Allowed: "must be 0 for an on-demand stream: Kinesis sizes it", check: func(f field, s listed[streamIn]) {
		f.check(s.value.Mode != StreamOnDemand || s.value.Shards == 0, s.value.Shards)
	}},
	{Field: "streaming.streams[].shards", Allowed: "must be at least 1 for a provisioned stream", check: func(f field, s listed[streamIn]) {
		f.check(s.value.Mode != StreamProvisioned || s.value.Shards >= 1, s.value.Shards)
	}},
	{Field: "streaming.streams[].mode", Allowed: fmt.Sprintf("must be %q or %q", StreamOnDemand, StreamProvisioned), check: func(f field, s listed[streamIn]) {
		f.check(s.value.Mode == StreamOnDemand || s.value.Mode == StreamProvisioned, string(s.value.Mode))
	}},
	{Field: "streaming.streams[].retentionHours", Allowed: fmt.Sprintf("must be from %d to %d (365 days)", MinStreamRetentionHours, MaxStreamRetentionHours),
		check: func(f field, s listed[streamIn]) {
			f.check(s.value.RetentionHours >= MinStreamRetentionHours && s.value.RetentionHours <= MaxStreamRetentionHours, s.value.RetentionHours)
		}},
	{Field: "streaming.streams[].bufferingIntervalSeconds", Allowed: fmt.Sprintf("must be from 0 to %d", MaxBufferingSeconds), check: func(f field, s listed[streamIn]) {
		f.check(s.value.BufferingIntervalSeconds >= 0 && s.value.BufferingIntervalSeconds <= MaxBufferingSeconds, s.value.BufferingIntervalSeconds)
	}},
	{Field: "streaming.streams[].compression", Allowed: fmt.Sprintf("must be one of %v", compressions), check: func(f field, s listed[streamIn]) {
		f.check(slices.Contains(compressions, s.value.Compression), string(s.value.Compression))
	}},
	{Field: "streaming.streams[].bufferingSizeMB", Allowed: fmt.Sprintf("must be from 1 to %d", MaxBufferingSizeMB), check: func(f field, s listed[streamIn]) {
		f.check(s.value.Format != FormatJSON || s.value.BufferingSizeMB >= 1 && s.value.BufferingSizeMB <= MaxBufferingSizeMB, s.value.BufferingSizeMB)
	}},
	// What Firehose's record format conversion requires.
	{Field: "streaming.streams[].bufferingSizeMB",
		Allowed: fmt.Sprintf("must be from %d to %d with Parquet: Firehose's minimum for record format conversion", MinParquetBufferingSizeMB, MaxBufferingSizeMB),
		check: func(f field, s listed[streamIn]) {
			f.check(!isParquet(s) || s.value.BufferingSizeMB >= MinParquetBufferingSizeMB && s.value.BufferingSizeMB <= MaxBufferingSizeMB, s.value.BufferingSizeMB)
		}},
	{Field: "streaming.streams[].compression",
		Allowed: fmt.Sprintf("must be %q with Parquet: Firehose rejects file compression on converted records (Parquet compresses its pages itself)", CompressionNone),
		check: func(f field, s listed[streamIn]) {
			f.check(!isParquet(s) || s.value.Compression == CompressionNone, string(s.value.Compression))
		}},
	only(func(s listed[streamIn]) bool { return s.value.env.Streaming.SpeedLayer }, speedRules),
	{Field: "streaming.streams[].format", Allowed: fmt.Sprintf("must be %q or %q", FormatJSON, FormatParquet), check: func(f field, s listed[streamIn]) {
		f.check(s.value.Format == FormatJSON || isParquet(s), string(s.value.Format))
	}},
}

// Limits of the streaming job's settings.
const (
	MaxTriggerSeconds    = 3600
	MaxFilesPerTrigger   = 100000
	MinBytesPerTrigger   = 1024 * 1024
	MaxWatermarkSeconds  = 7 * 24 * 3600
	speedCompressionHelp = "Spark reads JSON files plain or gzip (by the .gz Firehose names them with)"
)

// speedRules check how the streaming job reads one stream: only where the speed layer is on.
var speedRules = rules[listed[streamIn]]{
	{Field: "streaming.streams[].speed.triggerSeconds", Allowed: fmt.Sprintf("must be from 1 to %d", MaxTriggerSeconds), check: func(f field, s listed[streamIn]) {
		f.check(s.value.Speed.TriggerSeconds >= 1 && s.value.Speed.TriggerSeconds <= MaxTriggerSeconds, s.value.Speed.TriggerSeconds)
	}},
	{Field: "streaming.streams[].speed.maxFilesPerTrigger", Allowed: fmt.Sprintf("must be from 1 to %d, or 0 with maxBytesPerTrigger set (exactly one caps a micro-batch)", MaxFilesPerTrigger),
		check: func(f field, s listed[streamIn]) {
			n, bytes := s.value.Speed.MaxFilesPerTrigger, s.value.Speed.MaxBytesPerTrigger
			f.check(n >= 1 && n <= MaxFilesPerTrigger && bytes == 0 || n == 0 && bytes != 0, n)
		}},
	{Field: "streaming.streams[].speed.maxBytesPerTrigger", Allowed: fmt.Sprintf("must be at least %d (1 MiB), or 0 with maxFilesPerTrigger set", MinBytesPerTrigger),
		check: func(f field, s listed[streamIn]) {
			bytes := s.value.Speed.MaxBytesPerTrigger
			f.check(bytes == 0 || bytes >= MinBytesPerTrigger, bytes)
		}},
	{Field: "streaming.streams[].speed.watermarkSeconds", Allowed: fmt.Sprintf("must be from the stream's bufferingIntervalSeconds to %d (7 days): Firehose holds on-time events that long by design", MaxWatermarkSeconds),
		check: func(f field, s listed[streamIn]) {
			w := s.value.Speed.WatermarkSeconds
			f.checkf(w >= s.value.BufferingIntervalSeconds && w <= MaxWatermarkSeconds, w,
				"must be from %d (the stream's bufferingIntervalSeconds: Firehose holds on-time events that long by design) to %d (7 days)", s.value.BufferingIntervalSeconds, MaxWatermarkSeconds)
		}},
	{Field: "streaming.streams[].compression", Allowed: fmt.Sprintf("must be %q or %q for a JSON stream the speed layer reads: %s", CompressionGzip, CompressionNone, speedCompressionHelp),
		check: func(f field, s listed[streamIn]) {
			c := s.value.Compression
			f.check(isParquet(s) || !slices.Contains(compressions, c) || c == CompressionGzip || c == CompressionNone, string(c))
		}},
}

// FileExtension is what Firehose ends the stream's bronze objects with (the delivery stream
// sets it, the jobs' fixtures follow it): .parquet, .json.gz or .json, and .json.<codec>
// for other compressions.
func (s Stream) FileExtension() string {
	switch {
	case s.Format == FormatParquet:
		return ".parquet"
	case s.Compression == CompressionGzip:
		return ".json.gz"
	case s.Compression == CompressionNone:
		return ".json"
	default:
		return ".json." + strings.ToLower(strings.ReplaceAll(string(s.Compression), "_", "-"))
	}
}
