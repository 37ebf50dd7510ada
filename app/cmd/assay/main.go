// Command assay is the single binary of Assay: web app, API, workers and operator commands.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/assayhq/assay/app/cli"
	"github.com/assayhq/assay/app/config"
)

func main() {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintf(os.Stderr, "assay: %v\n", err)
		os.Exit(1)
	}
	os.Exit(cli.Run(context.Background(), cli.Env{Config: cfg, Stdout: os.Stdout, Stderr: os.Stderr}, os.Args[1:]))
}
