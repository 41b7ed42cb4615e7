package main

import (
	"fmt"
	"strings"
)

// pgType is one PostgreSQL type the generator maps to silver, in two documented hops: the
// PostgreSQL type to DMS's own type ("Source data types for PostgreSQL",
// https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Source.PostgreSQL.html#CHAP_Source-PostgreSQL-DataTypes),
// DMS's type to the Parquet type it writes ("Target data types for S3 Parquet",
// https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html#CHAP_Target.S3.DataTypes),
// which Spark reads as the Hive type silver declares. jobs/tests/contracts/dms.yaml quotes both
// hops for every entry, and its test fails for an entry it does not cover.
type pgType struct {
	// internal is the type's name in the parse tree (pg_catalog's typname): bigint is int8.
	internal string
	// name is the type as pg_dump spells it (format_type), without modifiers: the key of
	// tables.json's "types".
	name string
	// silver is the Hive type; a numeric's gets its precision and scale.
	silver string
	// modifiers says what the type takes in parentheses.
	modifiers modifiers
}

// modifiers is what a type takes in parentheses.
type modifiers int

const (
	none      modifiers = iota
	length              // character(n), character varying(n): required
	precision           // numeric(p,s): required, p up to 38
	fraction            // timestamp(p): optional fractional-second digits
)

// maxDecimalPrecision: DMS writes NUMERIC(p,s) as a Parquet DECIMAL only "If precision is from 0
// through 38"; silver's decimal(p,s) allows no more either.
const maxDecimalPrecision = 38

// pgTypes are the supported types, in the order tables.json lists them. Left out on purpose:
// smallint (DMS's INT2 is a Parquet INT16, which Spark reads as smallint, a type silver does not
// declare), boolean (DMS's default maps it to CHAR(5), which the Parquet table does not list),
// bytea (BLOB, a Parquet BINARY), time (TIME32, which Spark cannot read), intervals, arrays,
// enums and the other types DMS turns into text of its own format.
var pgTypes = []pgType{
	// | BIGINT | INT8 |, then | INT8 | INT64 |
	{internal: "int8", name: "bigint", silver: "bigint"},
	// | INTEGER | INT4 |, then | INT4 | INT32 |
	{internal: "int4", name: "integer", silver: "int"},
	// | REAL | REAL4 |, then | REAL4 | FLOAT |
	{internal: "float4", name: "real", silver: "float"},
	// | DOUBLE | REAL8 |, then | REAL8 | DOUBLE |
	{internal: "float8", name: "double precision", silver: "double"},
	// | NUMERIC (p,s) | If precision is from 0 through 38, then use NUMERIC. [...] |, then
	// | NUMERIC | DECIMAL |
	{internal: "numeric", name: "numeric", silver: "decimal", modifiers: precision},
	// | CHAR(N) | WSTRING (n) |, then | WSTRING | STRING |
	{internal: "bpchar", name: "character", silver: "string", modifiers: length},
	// | VARCHAR(N) | WSTRING (n) |, then | WSTRING | STRING |
	{internal: "varchar", name: "character varying", silver: "string", modifiers: length},
	// | TEXT | NCLOB |, then | NCLOB | STRING |
	{internal: "text", name: "text", silver: "string"},
	// | UUID | STRING |, then | STRING | STRING |
	{internal: "uuid", name: "uuid", silver: "string"},
	// | JSON | NCLOB |, then | NCLOB | STRING |
	{internal: "json", name: "json", silver: "string"},
	// | JSONB | NCLOB |, then | NCLOB | STRING |
	{internal: "jsonb", name: "jsonb", silver: "string"},
	// | DATE | DATE |, then | DATE | DATE32 |
	{internal: "date", name: "date", silver: "date"},
	// | TIMESTAMP | DATETIME |, then | DATETIME | TIMESTAMP |
	{internal: "timestamp", name: "timestamp without time zone", silver: "timestamp", modifiers: fraction},
	// | TIMESTAMP WITH TIME ZONE | DATETIME |, then | DATETIME | TIMESTAMP |
	{internal: "timestamptz", name: "timestamp with time zone", silver: "timestamp", modifiers: fraction},
}

// supported lists the types an error names as allowed, each with the modifiers it needs.
func supported() string {
	names := make([]string, len(pgTypes))
	for i, t := range pgTypes {
		names[i] = t.name
		switch t.modifiers {
		case length:
			names[i] += "(n)"
		case precision:
			names[i] += fmt.Sprintf("(p,s) with p up to %d", maxDecimalPrecision)
		}
	}
	return strings.Join(names, ", ")
}

// lookup finds the supported type of a parse tree's type name (without pg_catalog).
func lookup(internal string) (pgType, bool) {
	for _, t := range pgTypes {
		if t.internal == internal {
			return t, true
		}
	}
	return pgType{}, false
}

// spell is the column's type as pg_dump spells it and the silver type it maps to, given the
// numbers in its parentheses; an error says what the type needs.
func (t pgType) spell(mods []int32) (source, silver string, err error) {
	switch t.modifiers {
	case length:
		if len(mods) != 1 || mods[0] < 1 {
			return "", "", fmt.Errorf("needs a length, %s(n): DMS documents %s(N) only", t.name, strings.ToUpper(t.name))
		}
		return fmt.Sprintf("%s(%d)", t.name, mods[0]), t.silver, nil
	case precision:
		if len(mods) == 1 { // numeric(p) is numeric(p,0)
			mods = append(mods, 0)
		}
		if len(mods) != 2 || mods[0] < 1 || mods[0] > maxDecimalPrecision || mods[1] < 0 || mods[1] > mods[0] {
			return "", "", fmt.Errorf("needs a precision from 1 to %d and a scale from 0 to the precision, numeric(p,s): "+
				"DMS writes a wider or unconstrained numeric as something other than a Parquet DECIMAL", maxDecimalPrecision)
		}
		numbers := fmt.Sprintf("(%d,%d)", mods[0], mods[1])
		return t.name + numbers, t.silver + numbers, nil
	case fraction:
		if len(mods) == 1 { // timestamp(3) with time zone: the digits go after the first word
			first, rest, _ := strings.Cut(t.name, " ")
			return fmt.Sprintf("%s(%d) %s", first, mods[0], rest), t.silver, nil
		}
	}
	if len(mods) > 0 {
		return "", "", fmt.Errorf("takes no modifiers")
	}
	return t.name, t.silver, nil
}
