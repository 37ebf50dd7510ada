// Package cli is the `assay` command line: it parses the command and runs a role or an
// operator command.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
)

// Version is set at build time with -ldflags "-X github.com/assayhq/assay/app/cli.Version=…".
var Version = "dev"

const usage = `assay — data-quality reports

Usage:
  assay dev                 web, API and workers in one process (embedded defaults)
  assay web                 the web app
  assay api                 the REST API (with workers unless WORKERS=0)
  assay worker              pipeline workers only
  assay migrate up|status   apply or list migrations of both databases
  assay user create --email E --password P --org NAME
  assay user disable --email E   disable a user and end all of their sessions
  assay admin grant|revoke --email E   make a user platform staff (the /admin backoffice), or not
  assay audit verify        check the audit chains of the web and API databases (exit 1 when one is broken)
  assay apikey create --org ORG_ID --name N [--scopes read,write]
  assay healthcheck web|api GET the role's health endpoint on this machine (exit 0 when healthy)
  assay version

Configuration comes from the environment; see README.md.
`

// Env is what a command reads and writes besides its arguments.
type Env struct {
	Config config.Config
	// ConfigErr is why the environment did not load; only version and help run without it.
	ConfigErr error
	Stdout    io.Writer
	Stderr    io.Writer
}

// ErrUsage marks a wrong command line; Run prints the usage for it.
var ErrUsage = errors.New("usage")

// Run executes args and returns the process exit code.
func Run(ctx context.Context, env Env, args []string) int {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := platform.NewLogger(env.Stderr, env.Config.LogFormat, env.Config.LogLevel)
	err := dispatch(ctx, env, log, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(env.Stderr, "%v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "assay: %v\n", err)
		return 1
	}
}

func dispatch(ctx context.Context, env Env, log *slog.Logger, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", ErrUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version":
		fmt.Fprintln(env.Stdout, "assay", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	if env.ConfigErr != nil {
		return env.ConfigErr
	}
	switch cmd {
	case "dev":
		return runDev(ctx, env, log)
	case "web":
		return runWeb(ctx, env, log)
	case "api":
		return runAPI(ctx, env, log)
	case "worker":
		return runWorker(ctx, env, log)
	case "migrate":
		return runMigrate(ctx, env, log, rest)
	case "user":
		return runUser(ctx, env, log, rest)
	case "apikey":
		return runAPIKey(ctx, env, log, rest)
	case "audit":
		return runAudit(ctx, env, rest)
	case "admin":
		return runAdmin(ctx, env, rest)
	case "healthcheck":
		return runHealthcheck(ctx, env, rest)
	}
	return fmt.Errorf("%w: unknown command %q", ErrUsage, cmd)
}

// sub returns the subcommand of a two-word command such as "migrate up".
func sub(args []string, valid ...string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, fmt.Errorf("%w: missing subcommand (one of %v)", ErrUsage, valid)
	}
	for _, v := range valid {
		if args[0] == v {
			return v, args[1:], nil
		}
	}
	return "", nil, fmt.Errorf("%w: unknown subcommand %q (one of %v)", ErrUsage, args[0], valid)
}
