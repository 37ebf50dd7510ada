package infra

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/assayhq/assay/app/config"
)

// composeFile is the part of compose.yaml the tests read.
type composeFile struct {
	Services map[string]struct {
		Image   string            `yaml:"image"`
		Command []string          `yaml:"command"`
		EnvFile string            `yaml:"env_file"`
		Env     map[string]string `yaml:"environment"`
		Volumes []string          `yaml:"volumes"`
		Ports   []string          `yaml:"ports"`
		Build   struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("compose.yaml")
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(b, &c))
	return c
}

// envFileKeys lists the variables an env file sets (its values are left to the operator).
func envFileKeys(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		require.True(t, ok, "%s: %q is not KEY=VALUE", path, line)
		keys = append(keys, k)
	}
	require.NoError(t, sc.Err())
	return keys
}

// The app services run the one image in production mode, and what compose.yaml sets
// plus the secrets the example env file asks for satisfy each role.
func TestComposeAppServices(t *testing.T) {
	c := loadCompose(t)
	cases := []struct {
		service string
		role    config.Role
		command []string
	}{
		{"migrate", config.RoleMigrate, []string{"migrate", "up"}},
		{"web", config.RoleWeb, []string{"web"}},
		{"api", config.RoleAPI, []string{"api"}},
		{"worker", config.RoleWorker, []string{"worker"}},
	}
	for _, tc := range cases {
		t.Run(tc.service, func(t *testing.T) {
			s, ok := c.Services[tc.service]
			require.True(t, ok, "no %s service", tc.service)
			require.Equal(t, tc.command, s.Command)
			require.Equal(t, "..", s.Build.Context)
			require.Equal(t, "infra/Dockerfile", s.Build.Dockerfile)
			require.Equal(t, "compose.env", s.EnvFile)
			vars := map[string]string{}
			for k, v := range s.Env {
				vars[k] = v
			}
			for _, k := range envFileKeys(t, s.EnvFile+".example") {
				require.NotContains(t, s.Env, k, "%s is a secret: it belongs in the env file", k)
				vars[k] = placeholder(k)
			}
			requireRole(t, "compose service "+tc.service, tc.role, vars)
		})
	}
	require.Equal(t, "0", c.Services["api"].Env["WORKERS"], "pipeline work runs in the worker service")
}

// Postgres creates both databases, Redis persists to a volume, and the stand-ins for
// Stripe and mail are there.
func TestComposeBackingServices(t *testing.T) {
	c := loadCompose(t)
	pg := c.Services["postgres"]
	require.Equal(t, "postgres:16", pg.Image)
	var initScript string
	for _, v := range pg.Volumes {
		if src, dst, _ := strings.Cut(v, ":"); strings.HasPrefix(dst, "/docker-entrypoint-initdb.d/") {
			initScript = src
		}
	}
	require.NotEmpty(t, initScript, "postgres mounts no init script")
	sql, err := os.ReadFile(filepath.Clean(initScript))
	require.NoError(t, err)
	for _, db := range []string{"assay_web", "assay_api"} {
		require.Contains(t, string(sql), "CREATE DATABASE "+db+";")
	}

	redis := c.Services["redis"]
	require.True(t, strings.HasPrefix(redis.Image, "redis:7"))
	require.Contains(t, strings.Join(redis.Command, " "), "--appendonly yes")
	require.Contains(t, redis.Volumes, "redis-data:/data")
	require.Contains(t, c.Volumes, "redis-data")

	require.True(t, strings.HasPrefix(c.Services["stripe-mock"].Image, "stripe/stripe-mock:"))
	mail := c.Services["mailpit"]
	require.True(t, strings.HasPrefix(mail.Image, "axllent/mailpit:"))
	require.Contains(t, strings.Join(mail.Ports, " "), ":1025:1025")
	require.Contains(t, strings.Join(mail.Ports, " "), ":8025:8025")
}
