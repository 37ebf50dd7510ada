// Command assay is the single binary of Assay: web app, API, workers and operator commands.
package main

import (
	"context"
	"os"

	"github.com/assayhq/assay/app/cli"
	"github.com/assayhq/assay/app/config"
)

func main() {
	cfg, err := config.Load()
	env := cli.Env{Config: cfg, ConfigErr: err, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(cli.Run(context.Background(), env, os.Args[1:]))
}
