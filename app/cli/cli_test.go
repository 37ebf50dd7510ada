package cli

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

func run(env Env, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	env.Stdout, env.Stderr = &out, &errOut
	code = Run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

// In production every role refuses to start on an embedded default and names each
// missing variable; the web role does not ask for the API's database, nor the API for
// the web app's signing key.
func TestProductionNamesMissingVariables(t *testing.T) {
	prod := config.Config{Env: config.EnvProduction, MaxUploadBytes: 1, ChunkRows: 1}
	cases := []struct {
		args    []string
		want    []string
		notWant []string
	}{
		{[]string{"dev"}, []string{"WEB_DATABASE_URL", "API_DATABASE_URL", "REDIS_URL", "JWT_SIGNING_KEY"}, nil},
		{[]string{"web"}, []string{"WEB_DATABASE_URL", "SESSION_SECRET", "JWT_SIGNING_KEY"}, []string{"API_DATABASE_URL", "BLOB_DIR"}},
		{[]string{"api"}, []string{"API_DATABASE_URL", "REDIS_URL", "BLOB_DIR"}, []string{"JWT_SIGNING_KEY", "SESSION_SECRET"}},
		{[]string{"worker"}, []string{"API_DATABASE_URL", "REDIS_URL"}, []string{"JWT_SIGNING_KEY"}},
		{[]string{"migrate", "up"}, []string{"WEB_DATABASE_URL", "API_DATABASE_URL"}, []string{"REDIS_URL"}},
		{[]string{"user", "create", "--email", "a@b.c", "--password", "long enough pass", "--org", "x"}, []string{"WEB_DATABASE_URL"}, []string{"API_DATABASE_URL"}},
	}
	for _, tc := range cases {
		t.Run(tc.args[0], func(t *testing.T) {
			code, _, stderr := run(Env{Config: prod}, tc.args...)
			require.Equal(t, 1, code)
			for _, w := range tc.want {
				require.Contains(t, stderr, w+" must be set in production")
			}
			for _, w := range tc.notWant {
				require.NotContains(t, stderr, w)
			}
		})
	}
}

func TestVersionAndHelpNeedNoConfig(t *testing.T) {
	broken := Env{ConfigErr: errors.New("config: APP_ENV must be development, production or test")}
	code, out, _ := run(broken, "version")
	require.Equal(t, 0, code)
	require.Contains(t, out, "assay ")
	code, out, _ = run(broken, "help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Usage:")
	code, _, stderr := run(broken, "dev")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "APP_ENV")
	code, _, _ = run(Env{}, "frobnicate")
	require.Equal(t, 2, code)
	code, _, _ = run(Env{})
	require.Equal(t, 2, code)
}
