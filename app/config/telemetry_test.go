package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMetricsListen(t *testing.T) {
	cases := []struct {
		name, env, addr, want string
	}{
		{"production default", EnvProduction, "", DefaultMetricsAddr},
		{"production set", EnvProduction, "10.0.0.4:9100", "10.0.0.4:9100"},
		{"production off", EnvProduction, "off", ""},
		{"dev default is off", EnvDevelopment, "", ""},
		{"dev on loopback", EnvDevelopment, "127.0.0.1:9090", "127.0.0.1:9090"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Config{Env: tc.env, MetricsAddr: tc.addr}.MetricsListen())
		})
	}
}
