package api_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/export"
	"github.com/assayhq/assay/app/platform"
)

// exportLines decodes a tenant export stream.
func exportLines(t *testing.T, body []byte) []export.Line {
	t.Helper()
	var out []export.Line
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l export.Line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "line %s", sc.Text())
		out = append(out, l)
	}
	require.NoError(t, sc.Err())
	return out
}

// The tenant export streams the organization's rows and uploaded files, each file with
// its size and SHA-256, and ends with the counts; it answers service tokens only,
// carries no secret column and nothing of another organization.
func TestTenantExportStream(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		orgA, keyA := e.org(t)
		orgB, keyB := e.org(t)
		csvA := "name,age\nann,30\nbob,40\n"
		dsA := e.upload(t, keyA, "a.csv", csvA)
		dsB := e.upload(t, keyB, "b.csv", "name\nx\n")
		var task struct{ ID string }
		e.do(t, http.MethodPost, "/v1/api/tasks", keyA, "application/json", `{"dataset_id":"`+dsA+`"}`).json(t, &task)

		path := "/v1/internal/service/tenants/" + orgA + "/export"
		e.do(t, http.MethodGet, path, keyA, "", nil).problem(t, http.StatusForbidden)
		e.do(t, http.MethodGet, path, e.token(t, orgA, "free", auth.Limits{}), "", nil).problem(t, http.StatusForbidden)
		e.doMalformed(t, http.MethodGet, "/v1/internal/service/tenants/nope/export", svc, "", nil).problem(t, http.StatusNotFound)

		res := e.do(t, http.MethodGet, path, svc, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		require.Equal(t, export.StreamContentType, res.Header.Get("Content-Type"))
		lines := exportLines(t, res.body)
		require.NotEmpty(t, lines)
		last := lines[len(lines)-1]
		require.Equal(t, export.LineEnd, last.Type)

		ids := map[string][]string{}
		var file bytes.Buffer
		var fileEnd export.Line
		for _, l := range lines {
			switch l.Type {
			case export.LineRow:
				var row map[string]any
				require.NoError(t, json.Unmarshal(l.Data, &row))
				for k := range row {
					require.False(t, export.IsSecretField(k), "%s has the secret column %s", l.Entity, k)
				}
				ids[l.Entity] = append(ids[l.Entity], fmt.Sprint(row["id"])) // audit entries are numbered
			case export.LineChunk:
				file.Write(l.Chunk)
			case export.LineFileEnd:
				fileEnd = l
			}
		}
		require.Equal(t, []string{dsA}, ids["datasets"])
		require.Equal(t, []string{task.ID}, ids["tasks"])
		require.Len(t, ids["api_keys"], 1)
		require.NotEmpty(t, ids["audit_entries"], "the API database's audit entries of the tenant")
		require.NotContains(t, string(res.body), dsB)
		require.NotContains(t, string(res.body), orgB)
		require.NotContains(t, string(res.body), keyA, "no key material")
		require.Equal(t, int64(1), last.Counts["datasets"])
		require.Equal(t, int64(1), last.Counts["files"])

		require.True(t, strings.HasPrefix(fileEnd.Path, "files/"+dsA+"/"), fileEnd.Path)
		sum := sha256.Sum256(file.Bytes())
		require.Equal(t, hex.EncodeToString(sum[:]), fileEnd.SHA256)
		require.Equal(t, int64(file.Len()), fileEnd.Size)
		require.Contains(t, file.String(), "ann,30")

		// A tenant without data streams only the end.
		res = e.do(t, http.MethodGet, "/v1/internal/service/tenants/"+platform.NewID()+"/export", svc, "", nil)
		lines = exportLines(t, res.body)
		require.Len(t, lines, 1)
		require.Equal(t, export.LineEnd, lines[0].Type)
	})
}
