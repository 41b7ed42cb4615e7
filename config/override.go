package config

// WithAccount returns copies of envs in which the environment called only (or, when only is
// empty, every environment) deploys to account, leaving every other setting as it is.
//
// The deploy rehearsal uses it to put the environment it rehearses into the one account an
// AWS emulator serves (moto: 123456789012). Moving only that environment keeps its account
// stage what the real account gets: the account-wide stack is built from the environments
// that share an account. Validate still checks the result, so a malformed account is
// reported like any other bad value.
func WithAccount(envs []Environment, account, only string) []Environment {
	out := make([]Environment, len(envs))
	for i, e := range envs {
		if only == "" || e.Name == only {
			e.Account = account
		}
		out[i] = e
	}
	return out
}
