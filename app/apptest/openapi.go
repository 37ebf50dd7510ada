package apptest

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
)

// openAPI builds the validator of the API's OpenAPI document once per test binary:
// building it compiles every schema of the document.
var openAPI = sync.OnceValues(func() (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(api.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("openapi: parse: %w", err)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi: build validator: %w", errors.Join(errs...))
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("openapi: the document is not valid OpenAPI:\n%s", describe(verrs))
	}
	return v, nil
})

// openAPISchemas holds the document's component schemas with a validator for them.
var openAPISchemas = sync.OnceValues(func() (*componentSchemas, error) {
	doc, err := libopenapi.NewDocument(api.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("openapi: parse: %w", err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapi: build model: %w", err)
	}
	return &componentSchemas{
		model: &m.Model,
		v:     schema_validation.NewSchemaValidator(config.WithFormatAssertions()),
	}, nil
})

type componentSchemas struct {
	model *v3.Document
	v     schema_validation.SchemaValidator
}

// CheckSchema validates a JSON value against a schema of the document's components,
// such as TaskEvent, the data of an event no response validator reads.
func CheckSchema(t testing.TB, name string, data []byte) {
	t.Helper()
	cs, err := openAPISchemas()
	require.NoError(t, err)
	proxy := cs.model.Components.Schemas.GetOrZero(name)
	require.NotNil(t, proxy, "the document has no schema %q", name)
	ok, errs := cs.v.ValidateSchemaBytes(proxy.Schema(), data)
	require.True(t, ok, "%s does not match the OpenAPI schema %s:\n%s", data, name, describe(errs))
}

// OpenAPIValidator returns the validator of the API's OpenAPI document.
func OpenAPIValidator(t testing.TB) validator.Validator {
	t.Helper()
	v, err := openAPI()
	require.NoError(t, err)
	return v
}

// APIExchange checks one request to the API and its response against the OpenAPI
// document. Start it with CheckRequest before the request is sent.
type APIExchange struct {
	t         testing.TB
	req       *http.Request
	malformed bool
	reqErrs   []*verrors.ValidationError
}

// CheckRequest validates req against the OpenAPI document before it is sent; a JSON
// body is read and put back. Requests outside /v1/ are not the API's and are not
// checked. Call Response on the result once the answer is in.
//
// malformed marks a request that breaks the document on purpose (broken JSON, a wrong
// content type, an unknown route): it is not checked, it must be refused with a 4xx, and
// the answer is still checked when the document has its operation.
func CheckRequest(t testing.TB, req *http.Request, malformed bool) *APIExchange {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/v1/") {
		return nil
	}
	x := &APIExchange{t: t, req: req, malformed: malformed}
	if !malformed {
		_, x.reqErrs = OpenAPIValidator(t).ValidateHttpRequestSync(req)
	}
	return x
}

// Response validates the answer to the checked request. body is the whole body, or nil
// for an event stream (whose events the document cannot describe), which then stays
// unread. Any mismatch fails the test with the validator's messages.
func (x *APIExchange) Response(res *http.Response, body []byte) {
	if x == nil {
		return
	}
	t := x.t
	t.Helper()
	where := x.req.Method + " " + x.req.URL.RequestURI()
	if x.malformed {
		require.True(t, res.StatusCode >= 400 && res.StatusCode < 500,
			"%s: a malformed request must be refused with a 4xx, got %d", where, res.StatusCode)
	} else if len(x.reqErrs) > 0 && !(onlySecurity(x.reqErrs) && res.StatusCode == http.StatusUnauthorized) {
		// Missing credentials break the document too; the 401 shows the test meant it.
		require.Fail(t, "the request does not match the OpenAPI document",
			"%s -> %d\n%s", where, res.StatusCode, describe(x.reqErrs))
	}

	// The response validator reads only the request's method, path and headers.
	req := x.req.Clone(x.req.Context())
	req.Body, req.GetBody = http.NoBody, nil
	out := *res
	out.Body = http.NoBody
	if body != nil {
		out.Body = readCloser{strings.NewReader(string(body))}
	} else {
		require.True(t, isEventStream(res), "%s: only an event stream may be checked unread", where)
	}
	if isNDJSON(res) && body != nil {
		// A stream of JSON lines: each line must match the documented schema.
		for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			one := *res
			one.Body = readCloser{strings.NewReader(line)}
			if ok, errs := OpenAPIValidator(t).ValidateHttpResponse(req, &one); !ok {
				require.Fail(t, "a line of the response does not match the OpenAPI document",
					"%s -> %d\n%s\nline: %.2000s", where, res.StatusCode, describe(errs), line)
			}
		}
		return
	}
	ok, errs := OpenAPIValidator(t).ValidateHttpResponse(req, &out)
	if ok {
		return
	}
	if x.malformed && unknownOperation(errs) {
		// An unknown route or method: the document has no answer to compare with, but
		// every error of the API is a problem document.
		mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
		require.Equal(t, "application/problem+json", mt, "%s: %s", where, body)
		return
	}
	require.Fail(t, "the response does not match the OpenAPI document",
		"%s -> %d %s\n%s\nbody: %.2000s", where, res.StatusCode, res.Header.Get("Content-Type"), describe(errs), body)
}

// isNDJSON reports a newline-delimited JSON stream, which is checked line by line.
func isNDJSON(res *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return mt == "application/x-ndjson"
}

func isEventStream(res *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

func onlySecurity(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationType != helpers.SecurityValidation {
			return false
		}
	}
	return true
}

func unknownOperation(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationSubType == helpers.ValidationMissing || e.ValidationSubType == helpers.ValidationMissingOperation {
			return true
		}
	}
	return false
}

func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "- %s", e.Message)
		if e.Reason != "" {
			fmt.Fprintf(&b, ": %s", e.Reason)
		}
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s", f.Error())
		}
		b.WriteString("\n")
	}
	return b.String()
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }
