// Package apptest builds the whole product for tests: both apps, workers, both databases
// and Redis, on every backend this machine offers.
package apptest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/assayhq/assay/app/store/storetest"
)

// Backend names a database and Redis pairing.
type Backend struct {
	Name     string
	WebDB    func(t testing.TB) string
	APIDB    func(t testing.TB) string
	RedisURL string // empty: embedded miniredis
}

// Backends lists SQLite+miniredis always and Postgres+Redis when TEST_POSTGRES_URL and
// TEST_REDIS_URL are set.
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite+miniredis", WebDB: storetest.SQLite, APIDB: storetest.SQLite},
		{Name: "postgres+redis", WebDB: storetest.Postgres, APIDB: storetest.Postgres, RedisURL: os.Getenv("TEST_REDIS_URL")},
	}
}

// EachBackend runs f once per backend as a subtest, on a product built with opts.
func EachBackend(t *testing.T, f func(t *testing.T, env *Env), opts ...Option) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name == "postgres+redis" && (os.Getenv("TEST_POSTGRES_URL") == "" || b.RedisURL == "") {
				storetest.SkipOrFail(t, "postgres+redis: TEST_POSTGRES_URL and TEST_REDIS_URL are not both set")
			}
			f(t, New(t, b, opts...))
		})
	}
}

// Namespace returns a fresh Redis key prefix for one test.
func Namespace() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "assaytest-" + hex.EncodeToString(b)
}
