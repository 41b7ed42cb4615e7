package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"dataplatform/config"
	"dataplatform/internal/unitycatalog"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrintsThePlanOfAnEnvironmentWithUnityCatalog, and refuses one without it with the reason.
func TestPrintsThePlanOfAnEnvironmentWithUnityCatalog(t *testing.T) {
	printed := 0
	for _, e := range config.All() {
		var out, errs bytes.Buffer
		code := run([]string{"-env", e.Name}, &out, &errs)
		if !e.Databricks.UnityCatalog.Enabled {
			assert.Equal(t, 2, code, e.Name)
			assert.Equal(t, "unitycatalog: "+e.Name+" has databricks.unityCatalog.enabled off: it has no Unity Catalog to set up\n", errs.String())
			assert.Empty(t, out.String())
			continue
		}
		printed++
		require.Equal(t, 0, code, errs.String())
		var plan unitycatalog.Plan
		require.NoError(t, json.Unmarshal(out.Bytes(), &plan))
		assert.Equal(t, unitycatalog.NewPlan(e), plan)
		assert.Equal(t, e.Databricks.UnityCatalog.ExternalID, plan.ExternalID)
	}
	require.Positive(t, printed)
	var out, errs bytes.Buffer
	assert.Equal(t, 2, run([]string{"-env", "nowhere"}, &out, &errs))
	assert.Contains(t, errs.String(), "-env must name one environment of config")
}
