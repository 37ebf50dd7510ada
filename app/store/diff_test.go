package store

import (
	"context"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/schema"
)

// TestDiffFromScratch regenerates each set's SQLite history from nothing: one file with
// exactly the committed statements when the directory holds a single file.
func TestDiffFromScratch(t *testing.T) {
	ctx := context.Background()
	for _, set := range schema.Sets {
		t.Run(set, func(t *testing.T) {
			dev, err := storetest.OpenMemory(ctx)
			require.NoError(t, err)
			defer dev.Close()
			dir := &migrate.MemDir{}
			wrote, err := Diff(ctx, dev, dir, set, "20000101000000", "init")
			require.NoError(t, err)
			require.True(t, wrote)
			files, err := dir.Files()
			require.NoError(t, err)
			require.Len(t, files, 1)
			require.Equal(t, "20000101000000_init.sql", files[0].Name())
			require.NoError(t, migrate.Validate(dir))

			committed, err := schema.AtlasDir(set, schema.SQLite)
			require.NoError(t, err)
			if cf, _ := committed.Files(); len(cf) == 1 {
				require.Equal(t, string(cf[0].Bytes()), string(files[0].Bytes()))
			}
			wrote, err = Diff(ctx, dev, dir, set, "", "again")
			require.NoError(t, err)
			require.False(t, wrote, "no changes, no file")

			_, err = Diff(ctx, dev, dir, set, "not-a-version", "x")
			require.Error(t, err)
		})
	}
	_, err := Tables("nope")
	require.Error(t, err)
}
