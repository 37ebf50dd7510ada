package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/platform"
)

// earlyFailingBlobs is blob storage whose writes fail before reading anything.
type earlyFailingBlobs struct{ *platform.DirBlobs }

func (b earlyFailingBlobs) Put(context.Context, string, io.Reader) (int64, error) {
	return 0, errors.New("blobs: the bucket is unreachable")
}

// A blob store that fails before reading is a server error, not "the file is empty":
// its failure wins over the reader error it causes, and the key is not kept.
func TestUploadStoreFailingEarlyIsServerError(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		e.rebuild(t, func(d *api.Deps) { d.Blobs = earlyFailingBlobs{e.blobs} })
		org, key := e.org(t)
		cases := []struct {
			name, ctype, body, idem string
		}{
			{"csv", "text/csv", peopleCSV, "early-csv"},
			{"ndjson", "application/x-ndjson", ndjsonPeople, "early-ndjson"},
			{"csv without a key", "text/csv", peopleCSV, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var hdr []string
				if tc.idem != "" {
					hdr = []string{keyHeader, tc.idem}
				}
				res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", key, tc.ctype, tc.body, hdr...)
				detail := res.problem(t, http.StatusInternalServerError)
				require.NotContains(t, detail, "empty")
			})
		}
		require.Zero(t, e.countIdemKeys(t, org), "a 5xx is not stored")
		require.Zero(t, e.countDatasets(t, org))
	})
}
