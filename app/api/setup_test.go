package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/dataset"
	"github.com/assayhq/assay/jobs"
)

// postgresURL is this package's Postgres database, created in TestMain when
// TEST_POSTGRES_URL is set and shared by the tests (each works in its own organizations).
var postgresURL string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	server := os.Getenv(storetest.EnvPostgres)
	if server == "" {
		return m.Run()
	}
	ctx := context.Background()
	url, drop, err := storetest.CreatePostgres(ctx, server, "app_api")
	if err != nil {
		panic(err)
	}
	defer func() {
		if err := drop(ctx); err != nil {
			panic(err)
		}
	}()
	// Migrate once, so the tests do not race to apply the same files.
	client, err := store.OpenAPI(ctx, config.Config{Env: config.EnvTest, APIDatabaseURL: url})
	if err != nil {
		panic(err)
	}
	client.Close()
	postgresURL = url
	return m.Run()
}

// eachBackend runs f on SQLite (a fresh file) and on the package's Postgres database.
func eachBackend(t *testing.T, f func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, storetest.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		if postgresURL == "" {
			storetest.SkipOrFail(t, storetest.EnvPostgres+" is not set: skipping Postgres")
		}
		f(t, postgresURL)
	})
}

// env is the API wired to real stores: a database, Redis (miniredis next to SQLite, the
// real server of TEST_REDIS_URL next to Postgres), blobs in a temp dir.
type env struct {
	cfg     config.Config
	logs    *syncBuffer
	db      *entapi.Client
	redis   *platform.Redis
	blobDir string
	blobs   *platform.DirBlobs
	signer  *auth.Signer
	hub     *events.Hub
	pub     *events.Publisher
	jobs    *jobs.Client
	app     *fiber.App
}

type option func(*config.Config)

func newEnv(t *testing.T, dbURL string, opts ...option) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	cfg := config.Config{
		Env:            config.EnvTest,
		APIDatabaseURL: dbURL,
		BlobDir:        filepath.Join(dir, "blobs"),
		RedisNamespace: apptest.Namespace(),
		MaxUploadBytes: 4 << 20,
		ChunkRows:      3,
	}
	for _, o := range opts {
		o(&cfg)
	}
	db, err := store.OpenAPI(ctx, cfg)
	require.NoError(t, err)
	redisURL := ""
	if strings.HasPrefix(dbURL, "postgres") {
		redisURL = os.Getenv("TEST_REDIS_URL")
	}
	rds, err := platform.OpenRedis(redisURL)
	require.NoError(t, err)
	blobs, err := platform.OpenDirBlobs(cfg.BlobDir)
	require.NoError(t, err)
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	signer, err := auth.NewSigner(base64.StdEncoding.EncodeToString(seed))
	require.NoError(t, err)
	logs := &syncBuffer{}
	var logOut io.Writer = logs
	if os.Getenv("TEST_LOG") != "" {
		logOut = io.MultiWriter(logs, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	hub := events.NewHub(rds.Pool, cfg.RedisNamespace, log)
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); _ = hub.Run(ctx) }()
	require.Eventually(t, hub.Ready, 5*time.Second, 5*time.Millisecond, "the events hub never subscribed")
	e := &env{
		cfg: cfg, logs: logs, db: db, redis: rds, blobDir: cfg.BlobDir, blobs: blobs, signer: signer, hub: hub,
		pub:  events.NewPublisher(rds.Pool, cfg.RedisNamespace),
		jobs: jobs.NewClient(db, rds, cfg.RedisNamespace, log),
	}
	e.app = api.New(api.Deps{
		Config: cfg, DB: db, Blobs: blobs, Jobs: e.jobs, Hub: hub,
		Verifier: auth.NewVerifier(signer.Keys()), Redis: rds, Log: log,
		Limiter: ratelimit.New(rds.Pool, cfg.RedisNamespace),
	}).App()
	t.Cleanup(func() {
		cancel()
		<-hubDone
		_ = e.app.Shutdown()
		_ = db.Close()
		if redisURL != "" {
			apptest.DropNamespace(platform.NewRedisPool(redisURL), cfg.RedisNamespace)
		}
		_ = rds.Close()
	})
	return e
}

// org creates an organization with an API key and returns its id and key.
func (e *env) org(t *testing.T) (id, key string) {
	t.Helper()
	id = platform.NewID()
	key, err := apikeys.Issue(context.Background(), e.db, apikeys.Org{ID: id, Name: "org " + id}, "test")
	require.NoError(t, err)
	return id, key
}

// token mints a web → API JWT for org.
func (e *env) token(t *testing.T, org, plan string, lim auth.Limits) string {
	t.Helper()
	tok, err := e.signer.Mint("user-"+org, org, "owner", plan, lim)
	require.NoError(t, err)
	return tok
}

type response struct {
	*http.Response
	body []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// problem asserts an RFC 9457 answer with status and returns its detail.
func (r response) problem(t *testing.T, status int) string {
	t.Helper()
	require.Equal(t, status, r.StatusCode, "body: %s", r.body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	r.json(t, &p)
	require.Equal(t, "about:blank", p.Type)
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Title)
	return p.Detail
}

// do sends a request through the router. body may be nil, a string, []byte or a reader.
// The request and the response must match the OpenAPI document.
func (e *env) do(t *testing.T, method, path, token, ctype string, body any, hdr ...string) response {
	t.Helper()
	return e.send(t, false, method, path, token, ctype, body, hdr...)
}

// doMalformed is do for a request that breaks the OpenAPI document on purpose: only
// the response is checked, and it must be a 4xx. Keep its uses rare.
func (e *env) doMalformed(t *testing.T, method, path, token, ctype string, body any, hdr ...string) response {
	t.Helper()
	return e.send(t, true, method, path, token, ctype, body, hdr...)
}

func (e *env) send(t *testing.T, malformed bool, method, path, token, ctype string, body any, hdr ...string) response {
	t.Helper()
	req := apptest.NewRequest(t, method, "http://api.test"+path, token, ctype, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	check := apptest.CheckRequest(t, req, malformed)
	res, err := e.app.Test(req, fiber.TestConfig{Timeout: 20 * time.Second, FailOnTimeout: true})
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	check.Response(res, b)
	return response{Response: res, body: b}
}

// upload posts a CSV body and returns the created dataset's id.
func (e *env) upload(t *testing.T, key, name, csv string) string {
	t.Helper()
	res := e.do(t, http.MethodPost, "/v1/api/datasets?name="+name, key, "text/csv", csv)
	require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
	var d struct{ ID string }
	res.json(t, &d)
	return d.ID
}

// countDatasets counts an organization's dataset rows, soft-deleted ones included.
func (e *env) countDatasets(t *testing.T, org string) int {
	t.Helper()
	n, err := e.db.Dataset.Query().Count(tenant.With(context.Background(), org))
	require.NoError(t, err)
	return n
}

func (e *env) countTasks(t *testing.T, org string) int {
	t.Helper()
	n, err := e.db.Task.Query().Count(tenant.With(context.Background(), org))
	require.NoError(t, err)
	return n
}

// blobFiles lists the files stored under the organization's dataset prefix.
func (e *env) blobFiles(t *testing.T, org string) []string {
	t.Helper()
	var files []string
	root := filepath.Join(e.blobDir, "datasets", org)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	return files
}

// getDataset loads a dataset row directly.
func (e *env) getDataset(t *testing.T, org, id string) *entapi.Dataset {
	t.Helper()
	d, err := e.db.Dataset.Query().Where(dataset.ID(id)).Only(tenant.With(context.Background(), org))
	require.NoError(t, err)
	return d
}

const peopleCSV = "id,name,age\n1,Ann,34\n2,Bob,41\n3,Cid,29\n4,Dee,55\n"

// sqliteURL is a fresh SQLite database for tests that need only one backend.
func sqliteURL(t *testing.T) string { return storetest.SQLite(t) }

// syncBuffer collects log output written from server goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
