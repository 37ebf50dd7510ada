package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
)

type datasetJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Source    string   `json:"source"`
	SourceURL *string  `json:"source_url"`
	Status    string   `json:"status"`
	Error     string   `json:"error"`
	Format    *string  `json:"format"`
	Delimiter *string  `json:"delimiter"`
	Rows      int64    `json:"rows"`
	Columns   []string `json:"columns"`
	SizeBytes int64    `json:"size_bytes"`
	CreatedAt string   `json:"created_at"`
}

func TestUploadRawCSV(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)

		res := e.do(t, http.MethodPost, "/v1/api/datasets?name=people.csv", key, "text/csv; charset=utf-8", peopleCSV)
		require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
		var d datasetJSON
		res.json(t, &d)
		require.NotEmpty(t, d.ID)
		require.Equal(t, "people.csv", d.Name)
		require.Equal(t, "api", d.Source)
		require.EqualValues(t, 4, d.Rows)
		require.Equal(t, []string{"id", "name", "age"}, d.Columns)
		require.EqualValues(t, len(peopleCSV), d.SizeBytes)
		require.NotEmpty(t, d.CreatedAt)

		row := e.getDataset(t, org, d.ID)
		require.Equal(t, "datasets/"+org+"/"+d.ID+"/source.csv", row.BlobKey)
		var layout report.Layout
		require.NoError(t, json.Unmarshal(row.Layout, &layout))
		require.Len(t, layout.Chunks, 2, "ChunkRows=3 splits 4 rows in two chunks")

		rc, err := e.blobs.Open(context.Background(), row.BlobKey)
		require.NoError(t, err)
		stored, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		require.Equal(t, peopleCSV, string(stored))

		res = e.do(t, http.MethodGet, "/v1/api/datasets/"+d.ID, key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var got datasetJSON
		res.json(t, &got)
		require.Equal(t, d, got)
	})
}

// multipartBody builds a form; fields are written in order, "file" as a file part.
func multipartBody(t *testing.T, fields ...[2]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		var (
			part io.Writer
			err  error
		)
		if f[0] == "file" {
			part, err = w.CreateFormFile("file", "upload.csv")
		} else {
			part, err = w.CreateFormField(f[0])
		}
		require.NoError(t, err)
		_, err = io.WriteString(part, f[1])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), buf.Bytes()
}

func TestUploadMultipart(t *testing.T) {
	cases := []struct {
		name   string
		query  string
		fields [][2]string
		want   string
	}{
		{"name after file", "", [][2]string{{"file", peopleCSV}, {"name", "From field"}}, "From field"},
		{"name before file", "", [][2]string{{"name", "First"}, {"other", "x"}, {"file", peopleCSV}}, "First"},
		{"query name", "?name=Query", [][2]string{{"file", peopleCSV}}, "Query"},
		{"file name", "", [][2]string{{"file", peopleCSV}}, "upload.csv"},
	}
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctype, body := multipartBody(t, tc.fields...)
				res := e.do(t, http.MethodPost, "/v1/api/datasets"+tc.query, key, ctype, body)
				require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
				var d datasetJSON
				res.json(t, &d)
				require.Equal(t, tc.want, d.Name)
				require.EqualValues(t, 4, d.Rows)
				require.EqualValues(t, len(peopleCSV), d.SizeBytes)
			})
		}
	})
}

func TestUploadRejects(t *testing.T) {
	bigField := "a\n" + strings.Repeat("x", 1<<20+1) + "\n"
	twoFiles, twoFilesBody := multipartBody(t, [2]string{"file", peopleCSV}, [2]string{"file", peopleCSV})
	noFile, noFileBody := multipartBody(t, [2]string{"name", "x"})
	badInFile, badInFileBody := multipartBody(t, [2]string{"file", "a,b\n1\n"})
	overLimit := "a,b\n" + strings.Repeat("1,2\n", (4<<20)/4)
	cases := []struct {
		name   string
		query  string
		ctype  string
		body   string
		status int
		detail string
	}{
		{"binary", "?name=x", "text/csv", "\x00\x01\x02PK\x03\x04", 422, "binary"},
		{"ragged rows", "?name=x", "text/csv", "a,b\n1,2\n3\n", 422, "row 2"},
		{"empty", "?name=x", "text/csv", "", 422, "empty"},
		{"header only", "?name=x", "text/csv", "a,b\n", 422, "no data rows"},
		{"invalid utf-8", "?name=x", "text/csv", "a,b\n1,\xff\xfe\n", 422, "UTF-8"},
		{"field over 1 MiB", "?name=x", "text/csv", bigField, 422, "larger than 1 MiB"},
		{"body over limit", "?name=x", "text/csv", overLimit, 413, "4 MiB"},
		{"missing name", "", "text/csv", peopleCSV, 422, "name"},
		{"name too long", "?name=" + strings.Repeat("n", 201), "text/csv", peopleCSV, 422, "name"},
		{"unsupported type", "?name=x", "application/xml", "<a/>", 415, ""},
		{"no content type", "?name=x", "", peopleCSV, 415, ""},
		{"latin-1 charset", "?name=x", "text/csv; charset=iso-8859-1", peopleCSV, 415, "UTF-8"},
		{"url source at a private address", "", "application/json", `{"name":"x","source_url":"http://169.254.169.254/latest"}`, 422, "private or reserved address"},
		{"json unknown field", "", "application/json", `{"nope":1}`, 422, "nope"},
		{"two files", "", twoFiles, string(twoFilesBody), 422, "one file"},
		{"no file part", "", noFile, string(noFileBody), 422, "file"},
		{"bad csv in form", "", badInFile, string(badInFileBody), 422, "row 1"},
		{"broken multipart", "?name=x", "multipart/form-data; boundary=zzz", "--zzz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\na,b\n1,2\n", 400, ""},
	}
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.doMalformed(t, http.MethodPost, "/v1/api/datasets"+tc.query, key, tc.ctype, tc.body)
				detail := res.problem(t, tc.status)
				require.Contains(t, detail, tc.detail)
				require.Zero(t, e.countDatasets(t, org))
				require.Empty(t, e.blobFiles(t, org))
			})
		}
	})
}

// A file over the plan's dataset size is a quota refusal (402 naming max_upload_bytes,
// with the upgrade link); over the server's own cap it stays 413.
func TestUploadPlanLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *config.Config) { c.WebURL = "https://assay.test" })
		org := platform.NewID()
		tok := e.token(t, org, "free", auth.Limits{MaxUploadBytes: 32})
		res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", tok, "text/csv", peopleCSV)
		require.Contains(t, res.problem(t, http.StatusPaymentRequired), "32 bytes")
		var p struct {
			Limit      string `json:"limit"`
			LimitValue int64  `json:"limit_value"`
			Usage      int64  `json:"usage"`
			UpgradeURL string `json:"upgrade_url"`
		}
		res.json(t, &p)
		require.Equal(t, "max_upload_bytes", p.Limit)
		require.EqualValues(t, 32, p.LimitValue)
		require.EqualValues(t, len(peopleCSV), p.Usage)
		require.Equal(t, "https://assay.test/pricing", p.UpgradeURL)
		require.Zero(t, e.countDatasets(t, org))
		require.Empty(t, e.blobFiles(t, org))

		// A plan above the server's cap: the cap refuses, as 413 without a plan limit.
		big := e.token(t, org, "business", auth.Limits{MaxUploadBytes: 1 << 40})
		res = e.do(t, http.MethodPost, "/v1/api/datasets?name=x", big, "text/csv", strings.Repeat("a,b\n", 2<<20))
		res.problem(t, http.StatusRequestEntityTooLarge)
		require.NotContains(t, string(res.body), "upgrade_url")
		require.Zero(t, e.countDatasets(t, org))
	})
}

func TestUploadDoesNotLeakBlobDirs(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	org, key := e.org(t)
	res := e.do(t, http.MethodPost, "/v1/api/datasets?name=x", key, "text/csv", "a,b\n1\n")
	res.problem(t, http.StatusUnprocessableEntity)
	entries, err := os.ReadDir(e.blobDir + "/datasets/" + org)
	if err == nil {
		require.Empty(t, entries, "the aborted dataset's directory is removed too")
	}
}
