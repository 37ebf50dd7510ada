package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/schema"
)

func openDB(t *testing.T, url string) *platform.DB {
	t.Helper()
	db, err := platform.OpenDB(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func fileNames(t *testing.T, dir migrate.Dir) []string {
	t.Helper()
	files, err := dir.Files()
	require.NoError(t, err)
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name()
	}
	return names
}

func TestMigrateStatus(t *testing.T) {
	ctx := context.Background()
	for _, set := range schema.Sets {
		t.Run(set, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, url string) {
				db := openDB(t, url)
				dir, err := schema.AtlasDir(set, db.Dialect)
				require.NoError(t, err)
				all := fileNames(t, dir)

				applied, pending, err := Status(ctx, db, set)
				require.NoError(t, err)
				require.Empty(t, applied)
				require.Equal(t, all, pending)

				if db.Dialect != "postgres" {
					// One connection: the one that migrated must have foreign keys enforced again.
					db.SQL.SetMaxOpenConns(1)
				}
				require.NoError(t, Migrate(ctx, db, set))
				if db.Dialect != "postgres" {
					var fk int
					require.NoError(t, db.SQL.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
					require.Equal(t, 1, fk)
				}
				applied, pending, err = Status(ctx, db, set)
				require.NoError(t, err)
				require.Equal(t, all, applied)
				require.Empty(t, pending)

				revs, _, err := newRevisions(ctx, db.SQL, db.Dialect, false)
				require.NoError(t, err)
				first, err := revs.ReadRevisions(ctx)
				require.NoError(t, err)
				require.Len(t, first, len(all))
				for _, r := range first {
					require.Equal(t, migrate.RevisionTypeExecute, r.Type)
					require.Equal(t, r.Total, r.Applied)
					require.NotZero(t, r.Total)
					require.NotEmpty(t, r.Hash)
					require.Empty(t, r.PartialHashes)
					require.False(t, r.ExecutedAt.IsZero())
				}

				again, err := migrateDir(ctx, db, set, dir)
				require.NoError(t, err)
				require.Empty(t, again, "a second run applies nothing")
				second, err := revs.ReadRevisions(ctx)
				require.NoError(t, err)
				require.Equal(t, len(first), len(second))
				for i := range first {
					require.True(t, first[i].ExecutedAt.Equal(second[i].ExecutedAt), "revision rewritten")
				}
			})
		})
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("api", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, url string) {
			cfg := config.Config{Env: config.EnvDevelopment, APIDatabaseURL: url}
			api, err := OpenAPI(ctx, cfg)
			require.NoError(t, err)
			defer api.Close()
			sys := tenant.System(ctx)
			_, err = api.Dataset.Create().SetName("x").SetBlobKey("k").Save(ctx)
			require.ErrorIs(t, err, tenant.ErrMissing, "the runtime package installed the tenant hook")
			ds, err := api.Dataset.Create().SetOrgID("org-1").SetName("people").SetBlobKey("k").Save(sys)
			require.NoError(t, err)
			require.NotEmpty(t, ds.ID)
			require.Equal(t, "org-1", ds.OrgID)
			got, err := api.Dataset.Get(sys, ds.ID)
			require.NoError(t, err)
			require.Equal(t, "people", got.Name)
		})
	})
	t.Run("web", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, url string) {
			web, err := OpenWeb(ctx, config.Config{Env: config.EnvDevelopment, WebDatabaseURL: url})
			require.NoError(t, err)
			defer web.Close()
			u, err := web.User.Create().SetEmail("a@example.com").Save(ctx)
			require.NoError(t, err)
			got, err := web.User.Get(ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, "a@example.com", got.Email)
		})
	})
	t.Run("production does not migrate", func(t *testing.T) {
		url := storetest.SQLite(t)
		api, err := OpenAPI(ctx, config.Config{Env: config.EnvProduction, APIDatabaseURL: url})
		require.NoError(t, err)
		api.Close()
		db, err := platform.OpenDB(ctx, url)
		require.NoError(t, err)
		defer db.Close()
		applied, pending, err := Status(ctx, db, schema.API)
		require.NoError(t, err)
		require.Empty(t, applied)
		require.NotEmpty(t, pending)
	})
	_, err := OpenWeb(ctx, config.Config{})
	require.ErrorContains(t, err, "no database URL")
}

// TestMigrateFailure appends a file whose second statement fails: the file's first
// statement must be rolled back and no revision recorded, on both dialects.
func TestMigrateFailure(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, url string) {
		db := openDB(t, url)
		dir, err := schema.AtlasDir(schema.API, db.Dialect)
		require.NoError(t, err)
		good := fileNames(t, dir)
		const broken = "29990101000000_broken.sql"
		writeFile(t, dir, broken, "CREATE TABLE probe (id integer NOT NULL);\nINSERT INTO no_such_table (id) VALUES (1);\n")

		applied, err := migrateDir(ctx, db, schema.API, dir)
		require.Error(t, err)
		t.Log(err)
		require.Contains(t, err.Error(), broken)
		require.Contains(t, err.Error(), "no_such_table")
		require.Equal(t, good, applied, "files before the broken one stay applied")

		require.False(t, tableExists(t, db, "probe"), "the broken file's CREATE TABLE was rolled back")
		revs, _, err := newRevisions(ctx, db.SQL, db.Dialect, false)
		require.NoError(t, err)
		_, err = revs.ReadRevision(ctx, "29990101000000")
		require.ErrorIs(t, err, migrate.ErrRevisionNotExist)

		// Fixing the file (a new hash) lets the next run apply it.
		writeFile(t, dir, broken, "CREATE TABLE probe (id integer NOT NULL);\n")
		applied, err = migrateDir(ctx, db, schema.API, dir)
		require.NoError(t, err)
		require.Equal(t, []string{broken}, applied)
		require.True(t, tableExists(t, db, "probe"))
	})
}

func TestMigrateRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, db *platform.DB, dir *migrate.MemDir)
		want  string
	}{
		{"tampered file", func(t *testing.T, _ *platform.DB, dir *migrate.MemDir) {
			files, err := dir.Files()
			require.NoError(t, err)
			require.NoError(t, dir.WriteFile(files[0].Name(), append(files[0].Bytes(), "-- edited\n"...)))
		}, "checksum mismatch"},
		{"database not empty", func(t *testing.T, db *platform.DB, _ *migrate.MemDir) {
			_, err := db.SQL.ExecContext(ctx, "CREATE TABLE stray (id integer)")
			require.NoError(t, err)
		}, "not clean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, url string) {
				db := openDB(t, url)
				d, err := schema.AtlasDir(schema.Web, db.Dialect)
				require.NoError(t, err)
				dir := d.(*migrate.MemDir)
				tt.setup(t, db, dir)
				applied, err := migrateDir(ctx, db, schema.Web, dir)
				require.ErrorContains(t, err, tt.want)
				require.Empty(t, applied)
				require.False(t, tableExists(t, db, "users"))
			})
		})
	}
}

func TestMigrateConcurrent(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, url string) {
		const n = 4
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			runs [][]string
		)
		for range n {
			// One pool each, as separate processes would have.
			db := openDB(t, url)
			wg.Go(func() {
				dir, err := schema.AtlasDir(schema.API, db.Dialect)
				if err == nil {
					var applied []string
					applied, err = migrateDir(ctx, db, schema.API, dir)
					mu.Lock()
					runs = append(runs, applied)
					mu.Unlock()
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		total := 0
		for _, r := range runs {
			total += len(r)
		}
		db := openDB(t, url)
		dir, err := schema.AtlasDir(schema.API, db.Dialect)
		require.NoError(t, err)
		require.Equal(t, len(fileNames(t, dir)), total, "every file applied exactly once")
	})
}

func TestNoTxDirective(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, url string) {
		db := openDB(t, url)
		dir, err := schema.AtlasDir(schema.Web, db.Dialect)
		require.NoError(t, err)
		writeFile(t, dir, "29990101000000_notx.sql", "-- atlas:txmode none\n\nCREATE TABLE notx (id integer);\n")
		applied, err := migrateDir(ctx, db, schema.Web, dir)
		require.NoError(t, err)
		require.Contains(t, applied, "29990101000000_notx.sql")
		require.True(t, tableExists(t, db, "notx"))
	})
}

// writeFile adds or replaces a migration file and rehashes atlas.sum.
func writeFile(t *testing.T, dir migrate.Dir, name, body string) {
	t.Helper()
	md := dir.(*migrate.MemDir)
	require.NoError(t, md.WriteFile(name, []byte(body)))
	sum, err := md.Checksum()
	require.NoError(t, err)
	require.NoError(t, migrate.WriteSumFile(md, sum))
	require.NoError(t, migrate.Validate(md))
}

func tableExists(t *testing.T, db *platform.DB, name string) bool {
	t.Helper()
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if strings.HasPrefix(db.Dialect, "postgres") {
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	var n int
	require.NoError(t, db.SQL.QueryRowContext(context.Background(), q, name).Scan(&n))
	return n > 0
}
