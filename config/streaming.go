package config

import (
	"fmt"
	"regexp"
	"slices"
)

// Streaming configures the Kinesis data streams that applications write events to, and the
// Firehose delivery of each stream into the bronze bucket.
type Streaming struct {
	// Streams are the named event streams of the environment, e.g. web-events; at least one.
	Streams []Stream
	// LogRetentionDays keeps Firehose delivery-error logs this long; a CloudWatch Logs retention.
	LogRetentionDays int
}

// Stream is one Kinesis data stream and its Firehose delivery to bronze/kinesis/<Name>/.
type Stream struct {
	// Name is the stream's short name: 1-64 lowercase letters, digits or hyphens, unique in the
	// environment. It names the AWS resources (<prefix>-<env>-<Name>) and the bronze prefix.
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
	// Columns are the schema Firehose converts JSON records to with FormatParquet; their Glue
	// table lives in the Streaming stack. Empty with FormatJSON.
	Columns []Column
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

// Column is one column of a Parquet stream's schema.
type Column struct {
	// Name is the JSON field and column name: lowercase letters, digits and underscores.
	Name string
	// Type is a Hive type from ColumnTypes, e.g. string, bigint, double, timestamp.
	Type string
}

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

func (s Streaming) validate(v *validator, env Environment) {
	v.check(len(s.Streams) >= 1, "streaming.streams", len(s.Streams), "must name at least one stream: the Streaming stack exists to deliver them")
	v.check(slices.Contains(LogRetentionDays, s.LogRetentionDays), "streaming.logRetentionDays", s.LogRetentionDays,
		fmt.Sprintf("must be a CloudWatch Logs retention: one of %v", LogRetentionDays))
	seen := map[string]bool{}
	for i, stream := range s.Streams {
		field := fmt.Sprintf("streaming.streams[%d]", i)
		v.check(!seen[stream.Name], field+".name", stream.Name, "must be unique in the environment")
		seen[stream.Name] = true
		stream.validate(v, field, env)
	}
}

func (s Stream) validate(v *validator, field string, env Environment) {
	if v.checked(streamNamePattern.MatchString(s.Name), field+".name", s.Name,
		"must be 1-64 lowercase letters, digits or hyphens, starting and ending with a letter or digit") {
		name := env.DeliveryStreamName(s.Name)
		v.check(len(name) <= MaxDeliveryStreamNameLength, field+".name", s.Name,
			fmt.Sprintf("makes delivery stream name %s %d characters long; Firehose allows %d: shorten the name or prefix", name, len(name), MaxDeliveryStreamNameLength))
	}
	switch s.Mode {
	case StreamOnDemand:
		v.check(s.Shards == 0, field+".shards", s.Shards, "must be 0 for an on-demand stream: Kinesis sizes it")
	case StreamProvisioned:
		v.check(s.Shards >= 1, field+".shards", s.Shards, "must be at least 1 for a provisioned stream")
	default:
		v.check(false, field+".mode", string(s.Mode), fmt.Sprintf("must be %q or %q", StreamOnDemand, StreamProvisioned))
	}
	v.check(s.RetentionHours >= MinStreamRetentionHours && s.RetentionHours <= MaxStreamRetentionHours, field+".retentionHours", s.RetentionHours,
		fmt.Sprintf("must be from %d to %d (365 days)", MinStreamRetentionHours, MaxStreamRetentionHours))
	v.check(s.BufferingIntervalSeconds >= 0 && s.BufferingIntervalSeconds <= MaxBufferingSeconds, field+".bufferingIntervalSeconds", s.BufferingIntervalSeconds,
		fmt.Sprintf("must be from 0 to %d", MaxBufferingSeconds))
	v.check(slices.Contains(compressions, s.Compression), field+".compression", string(s.Compression),
		fmt.Sprintf("must be one of %v", compressions))
	switch s.Format {
	case FormatJSON:
		v.check(s.BufferingSizeMB >= 1 && s.BufferingSizeMB <= MaxBufferingSizeMB, field+".bufferingSizeMB", s.BufferingSizeMB,
			fmt.Sprintf("must be from 1 to %d", MaxBufferingSizeMB))
		v.check(len(s.Columns) == 0, field+".columns", len(s.Columns), `must be empty unless format is "parquet"`)
	case FormatParquet:
		s.validateParquet(v, field)
	default:
		v.check(false, field+".format", string(s.Format), fmt.Sprintf("must be %q or %q", FormatJSON, FormatParquet))
	}
}

// validateParquet enforces what Firehose's record format conversion requires.
func (s Stream) validateParquet(v *validator, field string) {
	v.check(s.BufferingSizeMB >= MinParquetBufferingSizeMB && s.BufferingSizeMB <= MaxBufferingSizeMB, field+".bufferingSizeMB", s.BufferingSizeMB,
		fmt.Sprintf("must be from %d to %d with Parquet: Firehose's minimum for record format conversion", MinParquetBufferingSizeMB, MaxBufferingSizeMB))
	v.check(s.Compression == CompressionNone, field+".compression", string(s.Compression),
		fmt.Sprintf("must be %q with Parquet: Firehose rejects file compression on converted records (Parquet compresses its pages itself)", CompressionNone))
	v.check(len(s.Columns) >= 1, field+".columns", len(s.Columns), "must list at least one column with Parquet: Firehose converts records through this schema")
	seen := map[string]bool{}
	for i, c := range s.Columns {
		col := fmt.Sprintf("%s.columns[%d]", field, i)
		v.check(columnNamePattern.MatchString(c.Name), col+".name", c.Name, "must be lowercase letters, digits or underscores, starting with a letter")
		v.check(!seen[c.Name], col+".name", c.Name, "must be unique in the stream")
		seen[c.Name] = true
		v.check(slices.Contains(ColumnTypes, c.Type), col+".type", c.Type, fmt.Sprintf("must be one of %v", ColumnTypes))
	}
}
