package web

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
)

func TestUploadFromURL(t *testing.T) {
	tests := []struct {
		name      string
		body      uploadBody
		wantName  string
		wantRules int
	}{
		{"url only", uploadBody{name: "remote", rules: "age range 18 65", sourceURL: " https://example.com/people.csv ", noFile: true}, "remote", 1},
		{"url and an empty file part", uploadBody{sourceURL: "https://example.com/people.csv", emptyFile: true}, "from-url", 0},
	}
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				env.api.mu.Lock()
				env.api.uploads, env.api.created = nil, nil
				env.api.mu.Unlock()
				res := c.upload(tc.body)
				require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)

				_, uploads, created := env.api.state()
				require.Len(t, uploads, 1)
				require.Equal(t, "application/json", uploads[0].ContentType)
				require.Equal(t, "https://example.com/people.csv", uploads[0].SourceURL)
				require.Len(t, created, 1)
				require.Len(t, created[0].Rules, tc.wantRules)

				row, err := env.db.Task.Get(tenant.With(context.Background(), o.OrgID), res.Header.Get("Location")[len("/tasks/"):])
				require.NoError(t, err)
				require.Equal(t, tc.wantName, row.DatasetName, "named as the API named the dataset")
				require.Equal(t, created[0].DatasetID, row.DatasetID)
			})
		}
	})
}

func TestUploadFromURLRejected(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	tests := []struct {
		name     string
		body     uploadBody
		rejectDS *apiProblem
		message  string
	}{
		{"file and url", uploadBody{sourceURL: "https://example.com/a.csv", contents: peopleCSV}, nil, "Choose a file or give a URL, not both."},
		{"neither", uploadBody{emptyFile: true}, nil, "Choose a file to upload, or give a URL."},
		{"private address", uploadBody{sourceURL: "http://10.0.0.1/a.csv", noFile: true},
			&apiProblem{Status: 422, Title: "Unprocessable", Detail: "source_url points to a private or reserved address, which is not allowed"},
			"private or reserved address"},
		{"bad rules", uploadBody{sourceURL: "https://example.com/a.csv", rules: "age range 18", noFile: true}, nil, "line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.api.mu.Lock()
			env.api.rejectDS, env.api.uploads = tc.rejectDS, nil
			env.api.mu.Unlock()
			res := c.upload(tc.body)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
			doc := res.doc(t)
			require.Contains(t, doc.Find("#upload-error").Text(), tc.message)
			require.Equal(t, tc.body.sourceURL, doc.Find("#source_url").AttrOr("value", ""), "the URL is kept")
			require.Equal(t, 1, doc.Find("#upload-form").Length())
			_, uploads, _ := env.api.state()
			require.Empty(t, uploads)
			require.Zero(t, env.db.Task.Query().CountX(tenant.With(context.Background(), o.OrgID)))
		})
	}
}
