package main

import (
	"bytes"
	"testing"

	"dataplatform/config"

	"github.com/stretchr/testify/assert"
)

func TestPrintsWhatSmokeShNeeds(t *testing.T) {
	for _, e := range config.All() {
		if !e.Airflow.Enabled() {
			continue
		}
		var out, errs bytes.Buffer
		assert.Equal(t, 0, run([]string{"-env", e.Name}, &out, &errs), errs.String())
		relay := ""
		if e.Airflow.WebserverAccessMode == config.WebserverPrivateOnly {
			relay = e.Prefix + "-" + e.Name + "-airflow-relay"
		}
		assert.Equal(t, "REGION="+e.Region+"\n"+
			"AIRFLOW_ENVIRONMENT="+e.AirflowEnvironmentName()+"\n"+
			"WEBSERVER_ACCESS="+e.Airflow.WebserverAccessMode+"\n"+
			"RELAY_FUNCTION="+relay+"\n", out.String())
	}
}

func TestNamesOneEnvironment(t *testing.T) {
	var out, errs bytes.Buffer
	assert.Equal(t, 2, run(nil, &out, &errs))
	assert.Contains(t, errs.String(), "-env must name one environment")
	assert.Empty(t, out.String())
}

func TestRefusesAnEnvironmentWithMWAAOff(t *testing.T) {
	var off int
	for _, e := range config.All() {
		if e.Airflow.Enabled() {
			continue
		}
		off++
		var out, errs bytes.Buffer
		assert.Equal(t, 3, run([]string{"-env", e.Name}, &out, &errs))
		assert.Empty(t, out.String(), "nothing for smoke.sh to eval")
		assert.Contains(t, errs.String(), "smoke: "+e.Name+" has MWAA off (airflow.disabled in config/"+e.Name+".go)")
	}
	assert.NotZero(t, off, "develop has MWAA off")
}
