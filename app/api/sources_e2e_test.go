package api_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/dataset"
)

// URL datasets end to end on the whole product, with ALLOWED_PRIVATE_ADDRESSES letting the
// fetch stage reach the test server on 127.0.0.1 (and nothing else that is not public).
func TestURLDatasetPipeline(t *testing.T) {
	srv := sourceServer(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	at := func(path string) string { return srv.URL + path }
	type want struct {
		status, taskErr, datasetErr string
		columns                     []string
		delimiter                   *string
		format                      string
		rows                        float64
	}
	cases := []struct {
		name  string
		url   string
		rules string
		want  want
	}{
		{"csv", at("/people.csv"), `[{"column":"age","check":"range","min":18,"max":65}]`,
			want{status: "completed", columns: []string{"id", "name", "age"}, delimiter: strp(";"), format: "csv", rows: 3}},
		{"ndjson", at("/people"), `[{"column":"age","check":"not_null"}]`,
			want{status: "completed", columns: []string{"id", "name", "tags", "age", "address", "active"}, format: "ndjson", rows: 3}},
		{"through a redirect", at("/to?u=/people.csv"), `[]`,
			want{status: "completed", columns: []string{"id", "name", "age"}, delimiter: strp(";"), format: "csv", rows: 3}},
		{"redirect to a private address", at("/to?u=http://10.0.0.1/a.csv"), `[]`,
			want{status: "failed", datasetErr: "the URL redirects to a private or reserved address, which is not allowed"}},
		{"redirect to the metadata address", at("/to?u=http://169.254.169.254/latest/meta-data/"), `[]`,
			want{status: "failed", datasetErr: "the URL redirects to a private or reserved address, which is not allowed"}},
		{"redirect to a loopback address not allowed", at(fmt.Sprintf("/to?u=http://127.0.0.2:%d/people.csv", port)), `[]`,
			want{status: "failed", datasetErr: "the URL redirects to a private or reserved address, which is not allowed"}},
		{"never answers", at("/silent.csv"), `[]`,
			want{status: "failed", datasetErr: "the download did not finish within 2s"}},
		{"too large", at("/big.csv"), `[]`,
			want{status: "failed", datasetErr: "the file is larger than the limit of 1 MiB"}},
		{"not found", at("/missing.csv"), `[]`,
			want{status: "failed", datasetErr: "the URL answered 404 Not Found"}},
		{"malformed csv", at("/ragged.csv"), `[]`,
			want{status: "failed", datasetErr: "row 2 has 1 field, the header has 2 (line 3)"}},
		{"rule on a missing column", at("/people.csv"), `[{"column":"zz","check":"not_null"}]`,
			want{status: "failed", taskErr: `The fetch stage failed: rule 1: column "zz" is not in the dataset (columns: id, name, age)`,
				columns: []string{"id", "name", "age"}, delimiter: strp(";"), format: "csv", rows: 3}},
	}
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		owner := env.Org(t)
		key := env.APIKey(t, owner)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := env.API(t, http.MethodPost, "/v1/api/datasets", key, "", map[string]string{"source_url": tc.url})
				require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.Body)
				var d datasetJSON
				res.JSON(t, &d)
				require.Equal(t, "fetching", d.Status)

				res = env.API(t, http.MethodPost, "/v1/api/tasks", key, "application/json",
					`{"dataset_id":"`+d.ID+`","rules":`+tc.rules+`}`)
				require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.Body)
				var tk struct{ ID string }
				res.JSON(t, &tk)
				task := env.WaitTask(t, key, tk.ID, 30*time.Second)
				require.Equal(t, tc.want.status, task["status"], "task: %v", task)

				env.API(t, http.MethodGet, "/v1/api/datasets/"+d.ID, key, "", nil).JSON(t, &d)
				row, err := env.Stack.API.DB.Dataset.Query().Where(dataset.ID(d.ID)).
					Only(tenant.With(context.Background(), owner.Org.ID))
				require.NoError(t, err)
				stored := storedFiles(t, filepath.Join(env.Config.BlobDir, "datasets", owner.Org.ID, d.ID))

				if tc.want.datasetErr != "" { // the download failed: nothing half-written
					require.Equal(t, "The fetch stage failed: "+tc.want.datasetErr, task["error"])
					require.Equal(t, "failed", d.Status)
					require.Equal(t, tc.want.datasetErr, d.Error)
					require.Empty(t, d.Columns)
					require.Nil(t, d.Format)
					require.Empty(t, row.Layout)
					require.Empty(t, row.BlobKey)
					require.Empty(t, stored)
					return
				}
				if tc.want.taskErr != "" {
					require.Equal(t, tc.want.taskErr, task["error"])
				}
				require.Equal(t, "ready", d.Status)
				require.Equal(t, tc.want.columns, d.Columns)
				require.Equal(t, tc.want.delimiter, d.Delimiter)
				require.Equal(t, strp(tc.want.format), d.Format)
				require.Equal(t, []string{filepath.Join(env.Config.BlobDir, filepath.FromSlash(row.BlobKey))}, stored,
					"only the stored CSV file remains")
				if tc.want.status != "completed" {
					return
				}
				var rep struct {
					Rows    float64 `json:"rows"`
					Columns []any   `json:"columns"`
				}
				res = env.API(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil)
				require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.Body)
				res.JSON(t, &rep)
				require.Equal(t, tc.want.rows, rep.Rows)
				require.Len(t, rep.Columns, len(tc.want.columns))
			})
		}
	}, apptest.WithConfig(func(c *config.Config) {
		c.AllowedPrivateAddresses = []string{"127.0.0.1/32"}
		c.SourceFetchTimeout = 2 * time.Second
		c.MaxUploadBytes = 1 << 20
	}))
}

// storedFiles lists the files under dir, none when it does not exist.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
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
