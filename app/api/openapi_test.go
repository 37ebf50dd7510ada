package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/apptest"
)

func TestOpenAPIDocumentIsServed(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	res := e.do(t, http.MethodGet, "/v1/openapi.json", "", "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
	require.Contains(t, res.Header.Get("Cache-Control"), "max-age=")
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, api.OpenAPIDocument(), res.body)

	doc, err := libopenapi.NewDocument(res.body)
	require.NoError(t, err)
	info := doc.GetSpecInfo()
	require.Equal(t, datamodel.OAS31, info.SpecFormat)
	require.Equal(t, "3.1.0", info.Version)
	_, err = doc.BuildV3Model()
	require.NoError(t, err, "the document builds without errors")
	ok, errs := apptest.OpenAPIValidator(t).ValidateDocument()
	require.True(t, ok, "the document is valid OpenAPI 3.1: %v", errs)

	cases := []struct {
		name, ifNoneMatch string
		status            int
	}{
		{"same etag", etag, http.StatusNotModified},
		{"weak and listed", `"other", W/` + etag, http.StatusNotModified},
		{"other etag", `"other"`, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(t, http.MethodGet, "/v1/openapi.json", "", "", nil, "If-None-Match", tc.ifNoneMatch)
			require.Equal(t, tc.status, res.StatusCode)
			require.Equal(t, etag, res.Header.Get("ETag"))
		})
	}
}

// Every route of the router is in the document and every operation of the document is
// a route: the document cannot drift from routes.go.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	param := regexp.MustCompile(`:(\w+)`)
	var routes []string
	for _, r := range e.app.GetRoutes(true) {
		// Fiber answers HEAD for every GET by itself; the document describes the GETs.
		if !strings.HasPrefix(r.Path, "/v1/") || r.Method == http.MethodHead {
			continue
		}
		routes = append(routes, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	slices.Sort(routes)
	routes = slices.Compact(routes)

	doc, err := libopenapi.NewDocument(api.OpenAPIDocument())
	require.NoError(t, err)
	m, err := doc.BuildV3Model()
	require.NoError(t, err)
	var documented []string
	for path, item := range m.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(documented)
	require.NotEmpty(t, routes)
	require.Equal(t, routes, documented)
}
