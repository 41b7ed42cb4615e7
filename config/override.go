package config

// WithAccount returns copies of envs that all deploy to account, leaving every other setting
// as it is. The deploy rehearsal uses it to put every environment into the one account an
// AWS emulator serves (moto: 123456789012); Validate still checks the result, so a malformed
// account is reported like any other bad value.
func WithAccount(envs []Environment, account string) []Environment {
	out := make([]Environment, len(envs))
	for i, e := range envs {
		e.Account = account
		out[i] = e
	}
	return out
}
