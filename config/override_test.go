package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithAccountOverridesOnlyTheAccount(t *testing.T) {
	all := All()
	got := WithAccount(all, "123456789012", "")
	require.Len(t, got, len(all))
	for i, e := range got {
		want := all[i]
		want.Account = "123456789012"
		assert.Equal(t, want, e, "%s: nothing but the account may change", e.Name)
		assert.NotEqual(t, "123456789012", all[i].Account, "%s: the input must stay untouched", e.Name)
	}
	require.NoError(t, Validate(got...))
	assert.Equal(t, "dataplatform-develop-bronze-123456789012-us-east-1", got[0].BucketName(BucketBronze),
		"derived names follow the overridden account")
}

func TestWithAccountMovesOnlyTheNamedEnvironment(t *testing.T) {
	all := All()
	got := WithAccount(all, "123456789012", "staging")
	for i, e := range got {
		if e.Name == "staging" {
			assert.Equal(t, "123456789012", e.Account)
		} else {
			assert.Equal(t, all[i], e, "%s must not move", e.Name)
		}
	}
	require.NoError(t, Validate(got...))
}

func TestWithAccountIsValidated(t *testing.T) {
	err := Validate(WithAccount([]Environment{staging()}, "12345", "")...)
	require.EqualError(t, err, `staging: account "12345": must be a 12-digit AWS account ID`)
}
