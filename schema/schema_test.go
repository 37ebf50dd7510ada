package schema_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/schema"
)

type combo struct{ set, dialect string }

func combos() []combo {
	var cs []combo
	for _, s := range schema.Sets {
		for _, d := range schema.Dialects {
			cs = append(cs, combo{s, d})
		}
	}
	return cs
}

func TestDirs(t *testing.T) {
	for _, c := range combos() {
		t.Run(c.set+"/"+c.dialect, func(t *testing.T) {
			fsys, err := schema.Dir(c.set, c.dialect)
			require.NoError(t, err)
			_, err = fs.Stat(fsys, migrate.HashFileName)
			require.NoError(t, err, "atlas.sum is embedded")
			dir, err := schema.AtlasDir(c.set, c.dialect)
			require.NoError(t, err)
			files, err := dir.Files()
			require.NoError(t, err)
			require.NotEmpty(t, files)
		})
	}
	tests := []struct{ set, dialect, path string }{
		{"api", "sqlite3", "api/sqlite"},
		{"web", "postgres", "web/postgres"},
		{"nope", "sqlite", ""},
		{"api", "mysql", ""},
	}
	for _, tt := range tests {
		p, err := schema.Path(tt.set, tt.dialect)
		if tt.path == "" {
			require.Error(t, err, tt.set+"/"+tt.dialect)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.path, p)
	}
}

func TestChecksum(t *testing.T) {
	tamper := []struct {
		name   string
		change func(t *testing.T, d *migrate.MemDir)
		reason migrate.Reason
	}{
		{"edited", func(t *testing.T, d *migrate.MemDir) {
			f := firstFile(t, d)
			require.NoError(t, d.WriteFile(f.Name(), append(f.Bytes(), "-- edited\n"...)))
		}, migrate.ReasonEdited},
		{"added", func(t *testing.T, d *migrate.MemDir) {
			require.NoError(t, d.WriteFile("99990101000000_extra.sql", []byte("SELECT 1;\n")))
		}, migrate.ReasonAdded},
	}
	for _, c := range combos() {
		t.Run(c.set+"/"+c.dialect, func(t *testing.T) {
			dir, err := schema.AtlasDir(c.set, c.dialect)
			require.NoError(t, err)
			require.NoError(t, migrate.Validate(dir), "schema/%s/%s: atlas.sum does not match the files", c.set, c.dialect)
			for _, tt := range tamper {
				d, err := schema.AtlasDir(c.set, c.dialect)
				require.NoError(t, err)
				tt.change(t, d.(*migrate.MemDir))
				err = migrate.Validate(d)
				require.ErrorIs(t, err, migrate.ErrChecksumMismatch, tt.name)
				var ce *migrate.ChecksumError
				require.True(t, errors.As(err, &ce), tt.name)
				require.Equal(t, tt.reason, ce.Reason, tt.name)
			}
		})
	}
}

// TestDrift fails when the Ent schemas changed without a new migration file.
func TestDrift(t *testing.T) {
	ctx := context.Background()
	for _, c := range combos() {
		t.Run(c.set+"/"+c.dialect, func(t *testing.T) {
			dev := devDB(t, c.dialect)
			dir, err := schema.AtlasDir(c.set, c.dialect)
			require.NoError(t, err)
			before, err := dir.Files()
			require.NoError(t, err)
			wrote, err := store.Diff(ctx, dev, dir, c.set, "", "drift")
			require.NoError(t, err)
			if wrote {
				after, _ := dir.Files()
				var sql strings.Builder
				for _, f := range after[len(before):] {
					sql.Write(f.Bytes())
				}
				t.Fatalf("schema/%s/%s is out of date: run make migrate-diff name=<what_changed>\nmissing changes:\n%s",
					c.set, c.dialect, sql.String())
			}
		})
	}
}

func devDB(t *testing.T, dialect string) *platform.DB {
	t.Helper()
	ctx := context.Background()
	var (
		db  *platform.DB
		err error
	)
	if dialect == schema.SQLite {
		db, err = storetest.OpenMemory(ctx)
	} else {
		db, err = platform.OpenDB(ctx, storetest.Postgres(t))
	}
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func firstFile(t *testing.T, d migrate.Dir) migrate.File {
	t.Helper()
	files, err := d.Files()
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files[0]
}
