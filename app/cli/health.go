package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds one health request; container runtimes time out the probe too.
const healthcheckTimeout = 5 * time.Second

// runHealthcheck GETs the health endpoint of a role running on this machine and fails
// unless it answers 200. The container image has no curl, so its HEALTHCHECK runs this.
func runHealthcheck(ctx context.Context, env Env, args []string) error {
	role, _, err := sub(args, "web", "api")
	if err != nil {
		return err
	}
	addr, path := env.Config.WebAddr, "/healthz"
	if role == "api" {
		addr, path = env.Config.APIAddr, "/v1/health"
	}
	host, err := loopback(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	url := "http://" + host + path
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", url, resp.StatusCode)
	}
	fmt.Fprintln(env.Stdout, "ok")
	return nil
}

// loopback turns a listen address (":8080", "0.0.0.0:8080", "[::]:8787") into one this
// machine can dial; an explicit host is kept.
func loopback(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
