// Package proc runs the real assay binary as child processes for tests that need a
// process boundary: a worker killed with SIGKILL, a rolling restart with SIGTERM.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/assayhq/assay/app/config"
)

// Build compiles the assay command into dir (CGO_ENABLED=0, as released) and returns
// the binary's path. Call it once, from TestMain.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "assay")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/assayhq/assay/app/cmd/assay") // #nosec G204 -- a fixed command; bin is a test temp dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("proc: go build: %w\n%s", err, out)
	}
	return bin, nil
}

// WorkerEnv is the environment of an `assay worker` sharing cfg's API database, Redis
// namespace, blobs and web app, with extra variables (NAME=value) appended.
func WorkerEnv(cfg config.Config, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"APP_ENV=" + config.EnvTest,
		"DATA_DIR=" + cfg.DataDir,
		"API_DATABASE_URL=" + cfg.APIDatabaseURL,
		"WEB_DATABASE_URL=" + cfg.WebDatabaseURL,
		"REDIS_URL=" + cfg.RedisURL,
		"REDIS_NAMESPACE=" + cfg.RedisNamespace,
		"BLOB_DIR=" + cfg.BlobDir,
		"WEB_URL=" + cfg.WebURL,
		"API_URL=" + cfg.APIURL,
		"WEBHOOK_SECRET=" + cfg.WebhookSecret,
		"SESSION_SECRET=" + cfg.SessionSecret,
		"JWT_SIGNING_KEY=" + cfg.JWTSigningKey,
		"MAX_UPLOAD_BYTES=" + strconv.FormatInt(cfg.MaxUploadBytes, 10),
		"CHUNK_ROWS=" + strconv.Itoa(cfg.ChunkRows),
		"WORKERS=" + strconv.Itoa(max(cfg.Workers, 1)),
		"METRICS_ADDR=off",
		"LOG_LEVEL=info",
		"LOG_FORMAT=text",
	}
	return append(env, extra...)
}

// Process is a running child; its combined output is kept and logged if the test fails.
type Process struct {
	Name string
	cmd  *exec.Cmd
	out  *buffer
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// Start runs bin with args and env. The process is killed at the end of the test if it
// still runs.
func Start(t testing.TB, name, bin string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{Name: name, out: &buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...) // #nosec G204 -- the test's own freshly built binary
	p.cmd.Env = env
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("proc: start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- output of %s ---\n%s", name, p.Output())
		}
	})
	return p
}

// Pid is the child's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Output is everything the process has written so far.
func (p *Process) Output() string { return p.out.String() }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("proc: kill %s: %v", p.Name, err)
	}
	<-p.done
}

// Signal sends sig.
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("proc: signal %s: %v", p.Name, err)
	}
}

// Wait waits up to timeout for the process to exit and returns its exit code, or an
// error if it is still running (it is then left running) or was killed by a signal.
func (p *Process) Wait(timeout time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return -1, fmt.Errorf("proc: %s still running after %s", p.Name, timeout)
	}
	if p.err == nil {
		return 0, nil
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, fmt.Errorf("proc: %s killed by %s", p.Name, ws.Signal())
		}
		return exit.ExitCode(), nil
	}
	return -1, p.err
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitOutput waits up to timeout until the output contains s.
func (p *Process) WaitOutput(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if bytes.Contains(p.out.Bytes(), []byte(s)) {
			return true
		}
		if p.Exited() {
			return bytes.Contains(p.out.Bytes(), []byte(s))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// buffer is a bytes.Buffer safe for the child's writes and the test's reads.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.b.Bytes()...)
}

func (b *buffer) String() string { return string(b.Bytes()) }
