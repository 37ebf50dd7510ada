package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/tenant"
)

const peopleCSV = "id,name,age,country\n1,Ann,34,DE\n2,Bob,17,FR\n3,Cy,,XX\n"

// uploadBody is the upload form as a browser sends it: fields in document order.
type uploadBody struct {
	csrf, name, rules  string
	noCSRF, noFile     bool
	filename, contents string
	sourceURL          string
	emptyFile          bool // a file part without a file, as browsers send when none is chosen
}

func (u uploadBody) encode(t *testing.T) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if !u.noCSRF {
		require.NoError(t, w.WriteField(fieldCSRF, u.csrf))
	}
	require.NoError(t, w.WriteField("name", u.name))
	require.NoError(t, w.WriteField("rules", u.rules))
	require.NoError(t, w.WriteField("source_url", u.sourceURL))
	if u.emptyFile {
		_, err := w.CreateFormFile("file", "")
		require.NoError(t, err)
	} else if !u.noFile {
		fw, err := w.CreateFormFile("file", orDefault(u.filename, "people.csv"))
		require.NoError(t, err)
		io.WriteString(fw, u.contents)
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), &b
}

func (c *client) upload(u uploadBody, headers ...string) response {
	c.t.Helper()
	if u.csrf == "" && !u.noCSRF {
		u.csrf = c.csrf
	}
	ct, body := u.encode(c.t)
	req := httptest.NewRequest(http.MethodPost, "/datasets", body)
	req.Header.Set("Content-Type", ct)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func TestUploadStartsTask(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		res := c.upload(uploadBody{name: "people", rules: "age range 18 65\ncountry in DE,FR\n# a comment\nid unique", contents: peopleCSV})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)

		claims, uploads, created := env.api.state()
		require.Len(t, uploads, 1)
		require.Equal(t, peopleCSV, string(uploads[0].Body))
		require.Equal(t, "people", uploads[0].Name)
		require.Equal(t, "text/csv", uploads[0].ContentType)
		require.True(t, uploads[0].Chunked, "the file is streamed, not buffered to a known length")
		require.Len(t, created, 1)
		require.Len(t, created[0].Rules, 3)
		require.Equal(t, "range", created[0].Rules[0].Check)
		require.Equal(t, 65.0, *created[0].Rules[0].Max)
		require.Equal(t, []string{"DE", "FR"}, created[0].Rules[1].Values)
		require.Len(t, claims, 2)
		for _, cl := range claims {
			require.Equal(t, auth.Issuer, cl.Issuer)
			require.Contains(t, []string(cl.Audience), auth.Audience)
			require.Equal(t, o.UserID, cl.Subject)
			require.Equal(t, o.OrgID, cl.OrgID)
			require.Equal(t, "owner", cl.Role)
			require.Equal(t, env.cfg.MaxUploadBytes, cl.Limits.MaxUploadBytes)
		}

		ctx := tenant.With(context.Background(), o.OrgID)
		row := env.db.Task.Query().OnlyX(ctx)
		require.Equal(t, "/tasks/"+row.ID, res.Header.Get("Location"))
		require.Equal(t, o.OrgID, row.OrgID)
		require.Equal(t, o.UserID, row.UserID)
		require.Equal(t, "people", row.DatasetName)
		require.Equal(t, created[0].DatasetID, row.DatasetID)
	})
}

func TestUploadHTMXAndDefaults(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.login(t, env.owner(t))
	res := c.upload(uploadBody{contents: "{\"a\":1}\n", filename: "events.ndjson"}, hxRequest, "true", headerCSRF, c.csrf)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	require.True(t, strings.HasPrefix(res.Header.Get(hxRedirect), "/tasks/"))
	_, uploads, created := env.api.state()
	require.Equal(t, "events.ndjson", uploads[0].Name, "the file name is the default name")
	require.Equal(t, "application/x-ndjson", uploads[0].ContentType)
	require.Empty(t, created[0].Rules)
}

func TestUploadRejected(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	tests := []struct {
		name     string
		body     uploadBody
		rejectDS *apiProblem
		rejectTS *apiProblem
		status   int
		message  string
		uploads  int
	}{
		{"malformed rule", uploadBody{rules: "age range 18", contents: peopleCSV}, nil, nil, 422, "line 1", 0},
		{"unknown check", uploadBody{rules: "age\nage between 1 2", contents: peopleCSV}, nil, nil, 422, "line 1", 0},
		{"no file", uploadBody{noFile: true}, nil, nil, 422, "Choose a file", 0},
		{"api refuses the file", uploadBody{contents: "\x00\x01"}, &apiProblem{Status: 422, Title: "Unprocessable", Detail: "the file is not CSV or NDJSON"}, nil, 422, "the file is not CSV or NDJSON", 0},
		{"api limit", uploadBody{contents: peopleCSV}, &apiProblem{Status: 413, Title: "Too large", Detail: "the upload exceeds your plan's limit of 1 MiB"}, nil, 422, "exceeds your plan", 0},
		{"api unsupported", uploadBody{contents: peopleCSV}, &apiProblem{Status: 415, Title: "Unsupported", Detail: "send CSV or NDJSON"}, nil, 422, "send CSV or NDJSON", 0},
		{"rule on a missing column", uploadBody{rules: "zip not_null", contents: peopleCSV}, nil, &apiProblem{Status: 422, Title: "Unprocessable", Detail: `rule 1: the dataset has no column "zip"`}, 422, `no column "zip"`, 1},
		{"api down", uploadBody{contents: peopleCSV}, &apiProblem{Status: 500, Title: "Internal"}, nil, 502, "did not answer", 0},
		{"missing csrf", uploadBody{noCSRF: true, contents: peopleCSV}, nil, nil, 403, "did not come from this site", 0},
		{"wrong csrf", uploadBody{csrf: "forged", contents: peopleCSV}, nil, nil, 403, "did not come from this site", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.api.mu.Lock()
			env.api.rejectDS, env.api.rejectTS = tc.rejectDS, tc.rejectTS
			env.api.uploads = nil
			env.api.mu.Unlock()
			res := c.upload(tc.body)
			require.Equal(t, tc.status, res.StatusCode, res.Body)
			doc := res.doc(t)
			if tc.status == 422 {
				require.Contains(t, doc.Find("#upload-error").Text(), tc.message)
				require.Equal(t, tc.body.rules, doc.Find("#rules").Text(), "the rules are kept")
				require.Equal(t, 1, doc.Find("#upload-form").Length())
			} else {
				require.Contains(t, doc.Find("#error").Text(), tc.message)
			}
			_, uploads, _ := env.api.state()
			require.Len(t, uploads, tc.uploads)
			require.Zero(t, env.db.Task.Query().CountX(tenant.With(context.Background(), o.OrgID)))
		})
	}
}

func TestUploadTooLarge(t *testing.T) {
	env := newSQLiteEnv(t, func(c *config.Config) { c.MaxUploadBytes = 1024 })
	c := env.login(t, env.owner(t))
	big := strings.Repeat("a,b\n", (1<<20)/4+1024) // over MaxUploadBytes + 1 MiB
	res := c.upload(uploadBody{contents: big})
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	require.Contains(t, res.doc(t).Find("#error").Text(), "larger than the limit")
	_, uploads, _ := env.api.state()
	require.Empty(t, uploads)
}

// TestUploadStreams proves the file reaches the API before the browser has finished
// sending it: the client holds back the end of the body until the API saw the start.
func TestUploadStreams(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.login(t, env.owner(t))
	first := make(chan struct{})
	env.api.mu.Lock()
	env.api.firstBytes = first
	env.api.mu.Unlock()

	base := env.serve(t)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := http.NewRequest(http.MethodPost, base+"/datasets", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(c.cookie)
	type result struct {
		res *http.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		done <- result{res, err}
	}()

	mw.WriteField(fieldCSRF, c.csrf)
	mw.WriteField("name", "stream")
	mw.WriteField("rules", "")
	fw, _ := mw.CreateFormFile("file", "big.csv")
	io.WriteString(fw, "id,value\n")
	chunk := strings.Repeat("1,2\n", 16<<10) // 64 KiB, past fasthttp's 8 KiB pre-read
	io.WriteString(fw, chunk)
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the API saw nothing before the upload was complete: the body is buffered")
	}
	for i := 0; i < 4; i++ {
		io.WriteString(fw, chunk)
	}
	require.NoError(t, mw.Close())
	require.NoError(t, pw.Close())

	r := <-done
	require.NoError(t, r.err)
	defer r.res.Body.Close()
	b, _ := io.ReadAll(r.res.Body)
	require.Equal(t, http.StatusOK, r.res.StatusCode, string(b)) // the client followed the 303
	_, uploads, _ := env.api.state()
	require.Len(t, uploads, 1)
	require.Equal(t, len("id,value\n")+5*len(chunk), len(uploads[0].Body))
}

func TestUploadFormJSONRules(t *testing.T) {
	// The rules the API receives are exactly report.ParseRulesForm's JSON.
	env := newSQLiteEnv(t)
	c := env.login(t, env.owner(t))
	c.upload(uploadBody{rules: `"first name" length 1 *`, contents: peopleCSV})
	_, _, created := env.api.state()
	b, err := json.Marshal(created[0].Rules)
	require.NoError(t, err)
	require.JSONEq(t, `[{"column":"first name","check":"length","min":1}]`, string(b))
}

// TestUploadRemovesRefusedDataset: when the API takes the file but refuses the task (a
// rule on a column the file lacks, or a failure), the dataset it stored is deleted again.
func TestUploadRemovesRefusedDataset(t *testing.T) {
	env := newSQLiteEnv(t)
	c := env.login(t, env.owner(t))
	tests := []struct {
		name   string
		reject *apiProblem
		status int
	}{
		{"refused", &apiProblem{Status: 422, Title: "Unprocessable", Detail: `rule 1: the dataset has no column "zip"`}, 422},
		{"failed", &apiProblem{Status: 500, Title: "Internal"}, 502},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.api.mu.Lock()
			env.api.rejectTS = tc.reject
			env.api.mu.Unlock()
			res := c.upload(uploadBody{rules: "zip not_null", contents: peopleCSV})
			require.Equal(t, tc.status, res.StatusCode, res.Body)
			_, _, created := env.api.state()
			require.NotEmpty(t, created)
			require.Contains(t, env.api.deletedDatasets(), created[len(created)-1].DatasetID, "the dataset is left behind")
		})
	}
}

// TestUploadTruncated: a body that ends inside the file is the browser's fault (400), not
// the API's (502), and nothing is created.
func TestUploadTruncated(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	ct, body := uploadBody{csrf: c.csrf, contents: peopleCSV}.encode(t)
	cut := body.Bytes()[:body.Len()-len("\r\n--boundary--\r\n")-8]
	req := httptest.NewRequest(http.MethodPost, "/datasets", bytes.NewReader(cut))
	req.Header.Set("Content-Type", ct)
	res := c.do(req)
	require.Equal(t, http.StatusBadRequest, res.StatusCode, res.Body)
	require.Contains(t, res.doc(t).Find("#error").Text(), "could not be read")
	_, uploads, created := env.api.state()
	require.Empty(t, uploads)
	require.Empty(t, created)
	require.Zero(t, env.db.Task.Query().CountX(tenant.With(context.Background(), o.OrgID)))
}
