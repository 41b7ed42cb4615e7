package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// In staging, streams[0] is web-events (provisioned, JSON) and streams[1] is orders-events
// (provisioned, Parquet).
func TestInvalidStreaming(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"no streams", func(e *Environment) { e.Streaming.Streams = nil },
			[]string{`staging: streaming.streams 0: must hold at least one stream (declare one in config/sources/streams.yaml): the Streaming stack exists to deliver them`}},
		{"override naming no declared stream", func(e *Environment) {
			e.Streaming.Overrides = map[string]StreamOverride{"web-event": {Shards: new(3)}}
			e.Streaming = e.Streaming.resolved()
		}, []string{`staging: streaming.overrides["web-event"] "web-event": must name a stream declared in config/sources/streams.yaml (` + declaredStreamNames() + `)`}},
		{"log retention", func(e *Environment) { e.Streaming.LogRetentionDays = 45 },
			[]string{`staging: streaming.logRetentionDays 45: must be a CloudWatch Logs retention: one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`}},
		{"name too long for firehose", func(e *Environment) { e.Streaming.Streams[0].Name = "clickstream-events-from-the-public-website-v2" },
			[]string{`staging: streaming.streams[0].name "clickstream-events-from-the-public-website-v2": makes delivery stream name dataplatform-staging-clickstream-events-from-the-public-website-v2 66 characters long; Firehose allows 64: shorten the name or prefix`}},
		{"unknown mode", func(e *Environment) { e.Streaming.Streams[0].Mode = "ondemand" },
			[]string{`staging: streaming.streams[0].mode "ondemand": must be "on-demand" or "provisioned"`}},
		{"provisioned without shards", func(e *Environment) { e.Streaming.Streams[0].Shards = 0 },
			[]string{`staging: streaming.streams[0].shards 0: must be at least 1 for a provisioned stream`}},
		{"on-demand with shards", func(e *Environment) { e.Streaming.Streams[0].Mode = StreamOnDemand },
			[]string{`staging: streaming.streams[0].shards 2: must be 0 for an on-demand stream: Kinesis sizes it`}},
		{"retention too short", func(e *Environment) { e.Streaming.Streams[0].RetentionHours = 12 },
			[]string{`staging: streaming.streams[0].retentionHours 12: must be from 24 to 8760 (365 days)`}},
		{"retention too long", func(e *Environment) { e.Streaming.Streams[0].RetentionHours = 8761 },
			[]string{`staging: streaming.streams[0].retentionHours 8761: must be from 24 to 8760 (365 days)`}},
		{"buffering interval", func(e *Environment) { e.Streaming.Streams[0].BufferingIntervalSeconds = 901 },
			[]string{`staging: streaming.streams[0].bufferingIntervalSeconds 901: must be from 0 to 900`}},
		{"buffering size 0", func(e *Environment) { e.Streaming.Streams[0].BufferingSizeMB = 0 },
			[]string{`staging: streaming.streams[0].bufferingSizeMB 0: must be from 1 to 128`}},
		{"buffering size over 128", func(e *Environment) { e.Streaming.Streams[0].BufferingSizeMB = 129 },
			[]string{`staging: streaming.streams[0].bufferingSizeMB 129: must be from 1 to 128`}},
		{"unknown compression", func(e *Environment) { e.Streaming.Streams[0].Compression = "gzip" },
			[]string{`staging: streaming.streams[0].compression "gzip": must be one of [UNCOMPRESSED GZIP Snappy HADOOP_SNAPPY ZIP]`}},
		{"unknown format", func(e *Environment) { e.Streaming.Streams[0].Format = "avro" },
			[]string{`staging: streaming.streams[0].format "avro": must be "json" or "parquet"`}},
		{"parquet buffer under 64 MB", func(e *Environment) { e.Streaming.Streams[1].BufferingSizeMB = 32 },
			[]string{`staging: streaming.streams[1].bufferingSizeMB 32: must be from 64 to 128 with Parquet: Firehose's minimum for record format conversion`}},
		{"parquet with gzip", func(e *Environment) { e.Streaming.Streams[1].Compression = CompressionGzip },
			[]string{`staging: streaming.streams[1].compression "GZIP": must be "UNCOMPRESSED" with Parquet: Firehose rejects file compression on converted records (Parquet compresses its pages itself)`}},
		{"speed layer without databricks", func(e *Environment) { e.Databricks.Enabled = false },
			[]string{`staging: streaming.speedLayer true: must be off unless databricks.enabled: the streaming job runs on Databricks`}},
		{"no trigger", func(e *Environment) { e.Streaming.Streams[0].Speed.TriggerSeconds = 0 },
			[]string{`staging: streaming.streams[0].speed.triggerSeconds 0: must be from 1 to 3600`}},
		{"freshness within the speed layer's latency", func(e *Environment) { e.Monitoring.SpeedFreshnessSeconds.Threshold = 360 },
			[]string{`staging: monitoring.speedFreshnessSeconds.threshold 360: must be above 360, the longest bufferingIntervalSeconds plus speed.triggerSeconds of a stream: the speed layer's latency by design`}},
		{"both caps", func(e *Environment) { e.Streaming.Streams[0].Speed.MaxBytesPerTrigger = 64 * 1024 * 1024 },
			[]string{`staging: streaming.streams[0].speed.maxFilesPerTrigger 1000: must be from 1 to 100000, or 0 with maxBytesPerTrigger set (exactly one caps a micro-batch)`}},
		{"no cap", func(e *Environment) { e.Streaming.Streams[0].Speed.MaxFilesPerTrigger = 0 },
			[]string{`staging: streaming.streams[0].speed.maxFilesPerTrigger 0: must be from 1 to 100000, or 0 with maxBytesPerTrigger set (exactly one caps a micro-batch)`}},
		{"byte cap too small", func(e *Environment) {
			e.Streaming.Streams[0].Speed.MaxFilesPerTrigger, e.Streaming.Streams[0].Speed.MaxBytesPerTrigger = 0, 1000
		}, []string{`staging: streaming.streams[0].speed.maxBytesPerTrigger 1000: must be at least 1048576 (1 MiB), or 0 with maxFilesPerTrigger set`}},
		{"watermark within the buffering", func(e *Environment) { e.Streaming.Streams[0].Speed.WatermarkSeconds = 120 },
			[]string{`staging: streaming.streams[0].speed.watermarkSeconds 120: must be from 300 (the stream's bufferingIntervalSeconds: Firehose holds on-time events that long by design) to 604800 (7 days)`}},
		{"speed layer over zip", func(e *Environment) { e.Streaming.Streams[0].Compression = CompressionZip },
			[]string{`staging: streaming.streams[0].compression "ZIP": must be "GZIP" or "UNCOMPRESSED" for a JSON stream the speed layer reads: Spark reads JSON files plain or gzip (by the .gz Firehose names them with)`}},
	})
}

// declaredStreamNames are the committed declarations' stream names, as messages list them.
func declaredStreamNames() string {
	var names []string
	for _, s := range DeclaredStreams() {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// TestSpeedLayerOffReadsNoSpeedSettings lets an environment without the streaming job leave
// every stream's speed settings and the freshness alarm empty.
func TestSpeedLayerOffReadsNoSpeedSettings(t *testing.T) {
	env := staging()
	env.Streaming.SpeedLayer = false
	for i := range env.Streaming.Streams {
		env.Streaming.Streams[i].Speed = StreamSpeed{}
	}
	env.Monitoring.SpeedFreshnessSeconds = Alarm{}
	require.NoError(t, Validate(env))
	require.Empty(t, env.SpeedStreams())
}

// TestStreamFileExtensions: what Firehose ends a stream's objects with, by format and compression.
func TestStreamFileExtensions(t *testing.T) {
	for _, c := range []struct {
		stream Stream
		want   string
	}{
		{Stream{Format: FormatParquet, Compression: CompressionNone}, ".parquet"},
		{Stream{Format: FormatJSON, Compression: CompressionGzip}, ".json.gz"},
		{Stream{Format: FormatJSON, Compression: CompressionNone}, ".json"},
		{Stream{Format: FormatJSON, Compression: CompressionHadoopSnappy}, ".json.hadoop-snappy"},
	} {
		require.Equal(t, c.want, c.stream.FileExtension())
	}
}
