package config

import "slices"

// Silver's schemas are declared here, once, as data: the Catalog stack gives them to Glue
// (Athena's views, Lake Formation and row and column filters need the Glue schema to match the
// Delta log), and the jobs create every table from them and refuse to write a column they lack
// (docs/jobs.md). A table's columns are its source's (a replicated table's Columns, an API
// source's or a stream's) and the ones its job adds, named below; the pipeline's test
// (warehouse/tests/test_silver_schemas.py) compares every table the jobs write with these.

// Columns the jobs add to silver's tables beside a source's own (JobColumns too).
const (
	// SilverChangeFlagColumn is the CDC job's: false for a full-load row, true for a change.
	SilverChangeFlagColumn = "_cdc"
	// SilverBronzeFileColumn is the bronze object a history or stream row came from (lineage).
	SilverBronzeFileColumn = "_bronze_file"
	// SilverLateWatermarkColumn is, in a stream's late table, the watermark the event missed.
	SilverLateWatermarkColumn = "_watermark"
	// SilverQuarantineSourceColumn is, in an API source's quarantine table, the source's name.
	SilverQuarantineSourceColumn = "source"
	// SilverWatermarkWrittenColumn is when the batch job last recorded a table's watermark:
	// the watermarks table's freshness.
	SilverWatermarkWrittenColumn = "written_at"
	// SilverTableNameColumn is, in the watermarks and created-tables tables, the table a row
	// is about.
	SilverTableNameColumn = "table_name"
	// SilverCreatedAtColumn is, in the created-tables table, when the batch job created the
	// table: an empty table's freshness.
	SilverCreatedAtColumn = "created_at"
)

// CorruptRecordColumn is where Spark's JSON reader puts a line it cannot parse
// (columnNameOfCorruptRecord), beside the declared columns it reads a record into.
const CorruptRecordColumn = "_corrupt_record"

// temporaryColumns are the columns a job adds for a moment, beside a source's own: the window
// ranks that keep one row per key or event, the record parsed as text before it is typed, and
// the erasures' key and time as the CDC job joins them to a batch (cdc.without_erased renames
// the stored key and erased_at, which a table may declare). They start with _, which no declared
// column does; listed so that the list is whole.
var temporaryColumns = []string{"_n", "_rank", "_raw", "_erased_key", "_erased_at"}

// ReservedColumns are every column a job adds beside a source's own, in this environment: DMS's
// operation, commit time and change sequence, which the CDC job keeps; the jobs' lineage,
// watermark, day, quarantine and parsing columns; and their temporary columns. No declared
// column may take one, in any case: Spark, Glue and Athena fold names, so "op" and "Op" would
// be one column twice. The jobs read the list as the bundle variable reserved_columns.
func (e Environment) ReservedColumns() []string {
	fixed := fixedReservedColumns()
	return slices.Concat(fixed[:1], []string{e.Cdc.TimestampColumnName}, fixed[1:])
}

// fixedReservedColumns are the reserved columns that are not settings: all but the commit
// time's, whose name cdc.timestampColumnName chooses (and which must not be one of these).
func fixedReservedColumns() []string {
	return slices.Concat(
		[]string{BronzeCDCOpColumn, BronzeCDCSequenceColumn, SilverChangeFlagColumn, SilverBronzeFileColumn,
			SilverLateWatermarkColumn, BronzeAPIDayColumn, SilverStreamDayColumn, SilverCommitDayColumn, SilverQuarantineSourceColumn},
		JobColumns, []string{CorruptRecordColumn}, temporaryColumns)
}

// declared is t with its columns and partition columns; PartitionKeys is never nil.
func declared(t SilverTable, columns []Column, partitions ...Column) SilverTable {
	t.Columns = columns
	t.PartitionKeys = append([]Column{}, partitions...)
	return t
}

// watermarkColumns: per served table, the newest change key silver holds (cdc.record_watermark).
func watermarkColumns() []Column {
	return []Column{
		{Name: SilverTableNameColumn, Type: "string"},
		{Name: "change_key", Type: "string"},
		{Name: "watermark", Type: "timestamp"},
		{Name: SilverWatermarkWrittenColumn, Type: "timestamp"},
	}
}

// tablesCreatedColumns: per table the batch job created, when (tables.create).
func tablesCreatedColumns() []Column {
	return []Column{{Name: SilverTableNameColumn, Type: "string"}, {Name: SilverCreatedAtColumn, Type: "timestamp"}}
}

// cdcColumns are what the CDC job keeps of DMS's columns in both tables of a replicated table:
// the commit time (a UTC timestamp, whatever form DMS writes it in), the change sequence, and
// whether the row is a change or came with the full load.
func (e Environment) cdcColumns() []Column {
	return []Column{
		{Name: e.Cdc.TimestampColumnName, Type: "timestamp"},
		{Name: BronzeCDCSequenceColumn, Type: "string"},
		{Name: SilverChangeFlagColumn, Type: "boolean"},
	}
}

// currentColumns: the source's columns, then the newest change's DMS columns.
func (e Environment) currentColumns(t ReplicatedTable) []Column {
	return slices.Concat(t.Columns, e.cdcColumns())
}

// historyColumns: every change with its operation, its DMS columns and its bronze file; the
// commit day (SilverCommitDayColumn) is the partition.
func (e Environment) historyColumns(t ReplicatedTable) []Column {
	return slices.Concat(t.Columns, []Column{{Name: BronzeCDCOpColumn, Type: "string"}}, e.cdcColumns(),
		[]Column{{Name: SilverBronzeFileColumn, Type: "string"}})
}

// apiColumns: the source's typed columns and the day the record was ingested for.
func apiColumns(s APISource) []Column {
	return slices.Concat(s.Columns, []Column{{Name: BronzeAPIDayColumn, Type: "date"}})
}

// apiQuarantineColumns: the records that did not fit, raw, with their source, day and reason.
func apiQuarantineColumns() []Column {
	return []Column{
		{Name: SilverQuarantineSourceColumn, Type: "string"},
		{Name: BronzeAPIDayColumn, Type: "date"},
		{Name: JobColumns[0], Type: "string"},
		{Name: JobColumns[1], Type: "string"},
	}
}

// eventColumns: the stream's declared columns and the bronze object each event came from;
// the day (SilverStreamDayColumn) is the partition.
func eventColumns(s Stream) []Column {
	return slices.Concat(s.Columns, []Column{{Name: SilverBronzeFileColumn, Type: "string"}})
}

// lateColumns: an event's columns and the watermark it missed.
func lateColumns(s Stream) []Column {
	return slices.Concat(eventColumns(s), []Column{{Name: SilverLateWatermarkColumn, Type: "timestamp"}})
}

// streamQuarantineColumns: a record that did not fit, raw, with the reason and its object.
func streamQuarantineColumns() []Column {
	return []Column{
		{Name: JobColumns[0], Type: "string"},
		{Name: JobColumns[1], Type: "string"},
		{Name: SilverBronzeFileColumn, Type: "string"},
	}
}
