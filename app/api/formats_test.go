package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/report"
)

// fileForm is a multipart body with one file part of the given name and type.
func fileForm(t *testing.T, filename, ctype, content string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	h.Set("Content-Type", ctype)
	part, err := w.CreatePart(h)
	require.NoError(t, err)
	_, err = part.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return w.FormDataContentType(), buf.Bytes()
}

func strp(s string) *string { return &s }

const ndjsonPeople = `{"id":1,"name":"Ann","tags":["a","b"]}` + "\n" +
	`{"id":2,"age":41,"address":{"city":"Lyon"}}` + "\n\n" +
	`{"name":"Cid","active":true,"age":null}` + "\n"

func TestUploadFormats(t *testing.T) {
	jsonl, jsonlBody := fileForm(t, "people.jsonl", "application/octet-stream", ndjsonPeople)
	semi, semiBody := fileForm(t, "people.csv", "text/csv", "id;name\n1;Ann\n")
	cases := []struct {
		name, query, ctype, body string
		format                   string
		delimiter                *string
		columns                  []string
		rows                     int64
		file                     string // the file in a form
	}{
		{"semicolon", "?name=x", "text/csv", "id;name;score\n1;Ann;2,5\n2;Bob;3,0\n", "csv", strp(";"), []string{"id", "name", "score"}, 2, ""},
		{"tab", "?name=x", "text/tab-separated-values", "id\tname\n1\tAnn, Jr\n", "csv", strp("\t"), []string{"id", "name"}, 1, ""},
		{"pipe", "?name=x", "text/plain", "id|name\n1|Ann\n", "csv", strp("|"), []string{"id", "name"}, 1, ""},
		{"quoted line breaks", "?name=x", "text/csv", "id,note\n1,\"line one\nline two, too\"\n2,x\n", "csv", strp(","), []string{"id", "note"}, 2, ""},
		{"BOM", "?name=x", "text/csv", "\xef\xbb\xbfid,name\r\n1,Ann\r\n", "csv", strp(","), []string{"id", "name"}, 1, ""},
		{"semicolon in a form", "", semi, string(semiBody), "csv", strp(";"), []string{"id", "name"}, 1, "id;name\n1;Ann\n"},
		{"ndjson", "?name=x", "application/x-ndjson", ndjsonPeople, "ndjson", nil,
			[]string{"id", "name", "tags", "age", "address", "active"}, 3, ""},
		{"ndjson as .jsonl in a form", "", jsonl, string(jsonlBody), "ndjson", nil,
			[]string{"id", "name", "tags", "age", "address", "active"}, 3, ndjsonPeople},
	}
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.do(t, http.MethodPost, "/v1/api/datasets"+tc.query, key, tc.ctype, tc.body)
				require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
				var d datasetJSON
				res.json(t, &d)
				require.Equal(t, "ready", d.Status)
				require.Equal(t, "api", d.Source)
				require.Nil(t, d.SourceURL)
				require.Equal(t, strp(tc.format), d.Format)
				require.Equal(t, tc.delimiter, d.Delimiter)
				require.Equal(t, tc.columns, d.Columns)
				require.Equal(t, tc.rows, d.Rows)
				size := len(tc.body)
				if tc.query == "" { // a form: the file alone counts
					size = len(tc.file)
				}
				require.EqualValues(t, size, d.SizeBytes, "size_bytes counts the source")

				var got datasetJSON
				e.do(t, http.MethodGet, "/v1/api/datasets/"+d.ID, key, "", nil).json(t, &got)
				require.Equal(t, d, got)
			})
		}
	})
}

// An NDJSON dataset runs through the same pipeline as CSV: nested values are text.
func TestNDJSONPipeline(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		e.startPool(t)
		res := e.do(t, http.MethodPost, "/v1/api/datasets?name=people", key, "application/x-ndjson", ndjsonPeople)
		require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
		var d datasetJSON
		res.json(t, &d)
		row := e.getDataset(t, org, d.ID)
		var layout report.Layout
		require.NoError(t, json.Unmarshal(row.Layout, &layout))
		require.Equal(t, ",", layout.Delimiter, "stored in its CSV form")

		tk := e.createTask(t, key, d.ID, `[{"column":"age","check":"not_null"},{"column":"tags","check":"regex","pattern":"^\\[\"a\""}]`)
		got := e.waitTask(t, key, tk.ID)
		require.Equal(t, "completed", got.Status, "error: %s", got.Error)
		var rep struct {
			Rows    int64 `json:"rows"`
			Columns []struct {
				Name  string `json:"name"`
				Nulls int64  `json:"nulls"`
				Type  string `json:"type"`
			} `json:"columns"`
			Rules []struct {
				FailedRows int64 `json:"failed_rows"`
			} `json:"rules"`
		}
		e.do(t, http.MethodGet, "/v1/api/tasks/"+tk.ID+"/report", key, "", nil).json(t, &rep)
		require.EqualValues(t, 3, rep.Rows)
		require.Len(t, rep.Columns, 6)
		require.Equal(t, "age", rep.Columns[3].Name)
		require.EqualValues(t, 2, rep.Columns[3].Nulls, "missing and null are both null")
		require.Equal(t, "boolean", rep.Columns[5].Type)
		require.EqualValues(t, 2, rep.Rules[0].FailedRows)
		require.EqualValues(t, 0, rep.Rules[1].FailedRows, "tags hold their JSON text; rows without tags are null")
	})
}

func TestUploadFormatRejects(t *testing.T) {
	badJSONL, badJSONLBody := fileForm(t, "rows.ndjson", "application/octet-stream", `{"a":1}`+"\nnot json\n")
	longLine := "a,b\n1," + strings.Repeat("x", 9<<20) + "\n"
	cases := []struct {
		name, query, ctype, body string
		status                   int
		detail                   string
	}{
		{"ragged rows", "?name=x", "text/csv", "a;b\n1;2\n3\n", 422, "row 2 has 1 field, the header has 2 (line 3)"},
		{"unbalanced quote", "?name=x", "text/csv", "a,b\n1,\"2\n3,4\n", 422, "a quoted field is not closed properly"},
		{"line over the limit", "?name=x", "text/csv", longLine, 422, "row 1: a record is longer than 4 MiB"},
		{"ndjson not an object", "?name=x", "application/x-ndjson", `{"a":1}` + "\n" + `[1]` + "\n", 422, "line 2 is not a JSON object"},
		{"ndjson invalid line", "", badJSONL, string(badJSONLBody), 422, "line 2 is not valid JSON"},
		{"ndjson empty", "?name=x", "application/x-ndjson", "\n\n", 422, "the file is empty"},
		{"ndjson latin-1", "?name=x", "application/x-ndjson; charset=iso-8859-1", `{"a":1}`, 415, "UTF-8"},
	}
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *config.Config) { c.MaxUploadBytes = 16 << 20 })
		org, key := e.org(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.do(t, http.MethodPost, "/v1/api/datasets"+tc.query, key, tc.ctype, tc.body)
				require.Contains(t, res.problem(t, tc.status), tc.detail)
				require.Zero(t, e.countDatasets(t, org))
				require.Empty(t, e.blobFiles(t, org))
			})
		}
	})
}

// waitTask polls a task until it ends.
func (e *env) waitTask(t *testing.T, key, id string) taskJSON {
	t.Helper()
	var tk taskJSON
	require.Eventually(t, func() bool {
		e.do(t, http.MethodGet, "/v1/api/tasks/"+id, key, "", nil).json(t, &tk)
		return tk.Status == "completed" || tk.Status == "failed" || tk.Status == "cancelled"
	}, 30*time.Second, 20*time.Millisecond, "task %s never ended", id)
	return tk
}
