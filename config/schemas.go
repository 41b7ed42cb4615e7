package config

// orderEventColumns is the schema of the orders-events stream, which staging and production
// convert to Parquet: one JSON object per order status change.
func orderEventColumns() []Column {
	return []Column{
		{Name: "order_id", Type: "string"},
		{Name: "customer_id", Type: "string"},
		{Name: "status", Type: "string"},
		{Name: "amount", Type: "double"},
		{Name: "currency", Type: "string"},
		{Name: "event_time", Type: "timestamp"},
	}
}
