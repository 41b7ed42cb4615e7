package config

// webEventColumns is the schema of the web-events stream: one JSON object per page event,
// as the site's collector sends it.
func webEventColumns() []Column {
	return []Column{
		{Name: "event_id", Type: "string"},
		{Name: "event_type", Type: "string"},
		{Name: "user_id", Type: "string"},
		{Name: "session_id", Type: "string"},
		{Name: "page", Type: "string"},
		{Name: "event_time", Type: "timestamp"},
	}
}

// orderEventColumns is the schema of the orders-events stream, which staging and production
// convert to Parquet: one JSON object per order status change, with the ids of
// config/sources/orders.sql.
func orderEventColumns() []Column {
	return []Column{
		{Name: "event_id", Type: "string"},
		{Name: "order_id", Type: "bigint"},
		{Name: "customer_id", Type: "bigint"},
		{Name: "status", Type: "string"},
		{Name: "amount", Type: "double"},
		{Name: "currency", Type: "string"},
		{Name: "event_time", Type: "timestamp"},
		// The order's updated_at after the change: the change key it shares with the orders
		// table (warehouse.serving.changeKey).
		{Name: "updated_at", Type: "timestamp"},
	}
}

// Every sample stream's event ID and event time.
const (
	sampleEventID   = "event_id"
	sampleEventTime = "event_time"
)

// sampleTables are the tables of config/sources/orders.sql, with their primary keys and
// columns: each PostgreSQL type as silver keeps it (text and char(n) are strings, integer an
// int, numeric(p,s) a decimal, timestamptz a UTC timestamp; a test compares them with the DDL).
func sampleTables() []ReplicatedTable {
	return []ReplicatedTable{
		{Schema: "public", Table: "customers", Key: []string{"customer_id"}, Columns: []Column{
			{Name: "customer_id", Type: "bigint"},
			{Name: "email", Type: "string"},
			{Name: "full_name", Type: "string"},
			{Name: "country", Type: "string"},
			{Name: "created_at", Type: "timestamp"},
		}},
		{Schema: "public", Table: "orders", Key: []string{"order_id"}, Columns: []Column{
			{Name: "order_id", Type: "bigint"},
			{Name: "customer_id", Type: "bigint"},
			{Name: "status", Type: "string"},
			{Name: "total", Type: "decimal(12,2)"},
			{Name: "currency", Type: "string"},
			{Name: "ordered_at", Type: "timestamp"},
			{Name: "updated_at", Type: "timestamp"},
		}},
		{Schema: "public", Table: "order_items", Key: []string{"order_id", "line_number"}, Columns: []Column{
			{Name: "order_id", Type: "bigint"},
			{Name: "line_number", Type: "int"},
			{Name: "sku", Type: "string"},
			{Name: "quantity", Type: "int"},
			{Name: "unit_price", Type: "decimal(12,2)"},
		}},
	}
}

// sampleAPISources type the sources of dags/api_sources.json: Coinbase's public trades
// (keyed by trade_id) and the day's exchange rates (one record per currency and day).
func sampleAPISources() []APISource {
	trades := func() []Column {
		return []Column{
			{Name: "trade_id", Type: "bigint"},
			{Name: "side", Type: "string"},
			{Name: "price", Type: "decimal(38,10)"},
			{Name: "size", Type: "decimal(38,10)"},
			{Name: "time", Type: "timestamp"},
		}
	}
	return []APISource{
		{Name: "coinbase_btc_usd_trades", Key: []string{"trade_id"}, Columns: trades()},
		{Name: "coinbase_eth_usd_trades", Key: []string{"trade_id"}, Columns: trades()},
		{Name: "coinbase_usd_exchange_rates", Key: []string{"currency", BronzeAPIDayColumn}, Columns: []Column{
			{Name: "currency", Type: "string"},
			{Name: "rates", Type: mapType},
		}},
	}
}
