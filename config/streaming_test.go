package config

import "testing"

// In staging, streams[0] is web-events (provisioned, JSON) and streams[1] is orders-events
// (provisioned, Parquet).
func TestInvalidStreaming(t *testing.T) {
	assertInvalid(t, staging, []invalid{
		{"no streams", func(e *Environment) { e.Streaming.Streams = nil },
			[]string{`staging: streaming.streams 0: must name at least one stream: the Streaming stack exists to deliver them`}},
		{"log retention", func(e *Environment) { e.Streaming.LogRetentionDays = 45 },
			[]string{`staging: streaming.logRetentionDays 45: must be a CloudWatch Logs retention: one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`}},
		{"uppercase name", func(e *Environment) { e.Streaming.Streams[0].Name = "Web-Events" },
			[]string{`staging: streaming.streams[0].name "Web-Events": must be 1-64 lowercase letters, digits or hyphens, starting and ending with a letter or digit`}},
		{"empty name", func(e *Environment) { e.Streaming.Streams[0].Name = "" },
			[]string{`staging: streaming.streams[0].name "": must be 1-64 lowercase letters, digits or hyphens, starting and ending with a letter or digit`}},
		{"name too long for firehose", func(e *Environment) { e.Streaming.Streams[0].Name = "clickstream-events-from-the-public-website-v2" },
			[]string{`staging: streaming.streams[0].name "clickstream-events-from-the-public-website-v2": makes delivery stream name dataplatform-staging-clickstream-events-from-the-public-website-v2 66 characters long; Firehose allows 64: shorten the name or prefix`}},
		{"duplicate name", func(e *Environment) { e.Streaming.Streams[1].Name = "web-events" },
			[]string{`staging: streaming.streams[1].name "web-events": must be unique in the environment`}},
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
		{"columns without parquet", func(e *Environment) { e.Streaming.Streams[1].Format = FormatJSON },
			[]string{`staging: streaming.streams[1].columns 6: must be empty unless format is "parquet"`}},
		{"parquet buffer under 64 MB", func(e *Environment) { e.Streaming.Streams[1].BufferingSizeMB = 32 },
			[]string{`staging: streaming.streams[1].bufferingSizeMB 32: must be from 64 to 128 with Parquet: Firehose's minimum for record format conversion`}},
		{"parquet with gzip", func(e *Environment) { e.Streaming.Streams[1].Compression = CompressionGzip },
			[]string{`staging: streaming.streams[1].compression "GZIP": must be "UNCOMPRESSED" with Parquet: Firehose rejects file compression on converted records (Parquet compresses its pages itself)`}},
		{"parquet without columns", func(e *Environment) { e.Streaming.Streams[1].Columns = nil },
			[]string{`staging: streaming.streams[1].columns 0: must list at least one column with Parquet: Firehose converts records through this schema`}},
		{"bad column", func(e *Environment) {
			e.Streaming.Streams[1].Columns = []Column{{Name: "Order-ID", Type: "string"}, {Name: "amount", Type: "money"}, {Name: "amount", Type: "double"}}
		}, []string{
			`staging: streaming.streams[1].columns[0].name "Order-ID": must be lowercase letters, digits or underscores, starting with a letter`,
			`staging: streaming.streams[1].columns[1].type "money": must be one of [string boolean int bigint float double date timestamp]`,
			`staging: streaming.streams[1].columns[2].name "amount": must be unique in the stream`,
		}},
	})
}
