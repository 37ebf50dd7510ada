// Command vulndb builds an offline copy of the Go vulnerability database from a pinned
// version of the golang.org/x/vulndb module, in the layout govulncheck reads with
// -db file:///DIR (make vuln):
//
//	go run ./app/cmd/vulndb -module golang.org/x/vulndb@VERSION -sum h1:HASH -out DIR [-ignore FILE]
//
// The module comes through the Go module proxy like any dependency (go mod download),
// so the scan needs no other host. -sum pins the module's content hash; -ignore names
// advisories to leave out, one "GO-YYYY-NNNN reason" a line.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// validModule is module@version with no room for flags or shell words.
var validModule = regexp.MustCompile(`^[a-z0-9.\-/]+@v[0-9A-Za-z.\-+]+$`)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log io.Writer) error {
	fl := flag.NewFlagSet("vulndb", flag.ContinueOnError)
	module := fl.String("module", "", "the database module at a pinned version, e.g. golang.org/x/vulndb@v0.0.0-… (required)")
	sum := fl.String("sum", "", "expected h1: hash of the module (checked when set)")
	out := fl.String("out", "", "directory to write, empty or absent (required)")
	ignoreFile := fl.String("ignore", "", "file of advisories to leave out: one \"GO-ID reason\" a line, # comments")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if !validModule.MatchString(*module) || *out == "" {
		return errors.New("-module path@version and -out are required")
	}
	ignore := map[string]string{}
	if *ignoreFile != "" {
		f, err := os.Open(*ignoreFile)
		if err != nil {
			return fmt.Errorf("ignore: %w", err)
		}
		ignore, err = parseIgnore(f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *ignoreFile, err)
		}
	}
	mod, err := download(ctx, *module)
	if err != nil {
		return err
	}
	if *sum != "" && mod.Sum != *sum {
		return fmt.Errorf("%s has hash %s, want %s", *module, mod.Sum, *sum)
	}
	st, err := Build(os.DirFS(filepath.Join(mod.Dir, "data", "osv")), *out, mod.Time, ignore)
	if err != nil {
		return err
	}
	for _, id := range st.Ignored {
		fmt.Fprintf(log, "vulndb: left out %s: %s\n", id, ignore[id])
	}
	fmt.Fprintf(log, "vulndb: %s: %d advisories for %d modules in %s\n", *module, st.Entries, st.Modules, *out)
	return nil
}

// moduleInfo is what the build needs from `go mod download -json`.
type moduleInfo struct {
	Dir   string
	Sum   string
	Time  time.Time
	Error string
}

// download fetches module@version into the module cache and says where it is.
func download(ctx context.Context, module string) (moduleInfo, error) {
	var stdout, stderr bytes.Buffer
	// #nosec G204 -- module is checked against validModule: one module@version argument.
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module)
	// Outside any module, so the download never touches this module's go.sum.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	mod, err := parseDownload(stdout.Bytes())
	if err != nil {
		return mod, fmt.Errorf("download %s: %w (%v: %s)", module, err, runErr, strings.TrimSpace(stderr.String()))
	}
	if runErr != nil {
		return mod, fmt.Errorf("download %s: %w: %s", module, runErr, strings.TrimSpace(stderr.String()))
	}
	return mod, nil
}

func parseDownload(b []byte) (moduleInfo, error) {
	var raw struct {
		Dir   string
		Sum   string
		Info  string
		Error string
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return moduleInfo{}, fmt.Errorf("go mod download output: %w", err)
	}
	if raw.Error != "" {
		return moduleInfo{}, errors.New(raw.Error)
	}
	if raw.Dir == "" || raw.Info == "" {
		return moduleInfo{}, errors.New("go mod download gave no directory")
	}
	info, err := os.ReadFile(raw.Info)
	if err != nil {
		return moduleInfo{}, fmt.Errorf("version info: %w", err)
	}
	var v struct{ Time time.Time }
	if err := json.Unmarshal(info, &v); err != nil {
		return moduleInfo{}, fmt.Errorf("version info: %w", err)
	}
	return moduleInfo{Dir: raw.Dir, Sum: raw.Sum, Time: v.Time}, nil
}

// parseIgnore reads "GO-YYYY-NNNN reason" lines; blank lines and # comments are skipped.
// Every advisory left out needs its reason.
func parseIgnore(r io.Reader) (map[string]string, error) {
	ignore := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		id, reason := fields[0], strings.Join(fields[1:], " ")
		if !validID.MatchString(id) || reason == "" {
			return nil, fmt.Errorf("line %d: want \"GO-YYYY-NNNN reason\"", n)
		}
		if _, dup := ignore[id]; dup {
			return nil, fmt.Errorf("line %d: %s listed twice", n, id)
		}
		ignore[id] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return ignore, nil
}
