package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apikeys"
	entweb "github.com/assayhq/assay/ent/web"
)

// Password is the password of every fixture user.
const Password = "correct horse battery staple"

var seq atomic.Int64

// Owner is a fixture user with their organization.
type Owner struct {
	User  *entweb.User
	Org   *entweb.Organization
	Email string
}

// Org creates a verified user who owns a new organization.
func (e *Env) Org(t testing.TB) Owner {
	t.Helper()
	email := fmt.Sprintf("owner%d-%d@example.com", seq.Add(1), time.Now().UnixNano())
	u, o, err := account.CreateOwner(context.Background(), e.Stack.Web.DB, account.NewOwner{
		Email: email, Password: Password, OrgName: "Org " + email, Verified: true,
	})
	require.NoError(t, err)
	return Owner{User: u, Org: o, Email: email}
}

// APIKey issues a key for the owner's organization.
func (e *Env) APIKey(t testing.TB, o Owner) string {
	t.Helper()
	key, err := apikeys.Issue(context.Background(), e.Stack.API.DB,
		apikeys.Org{ID: o.Org.ID, Name: o.Org.Name, Plan: o.Org.Plan}, "test key")
	require.NoError(t, err)
	return key
}

// Response is a finished HTTP exchange with its body read.
type Response struct {
	*http.Response
	Body []byte
}

// JSON decodes the body into v.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// API sends a request to the API with a bearer token; body may be a string, []byte or io.Reader.
func (e *Env) API(t testing.TB, method, path, token, contentType string, body any) Response {
	t.Helper()
	return Do(t, method, e.APIURL+path, token, contentType, body)
}

// NewRequest builds a request with a bearer token and a body that may be nil, a string,
// []byte, an io.Reader, or any other value, which is sent as JSON.
func NewRequest(t testing.TB, method, url, token, contentType string, body any) *http.Request {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b
	default:
		js, err := json.Marshal(b)
		require.NoError(t, err)
		r = bytes.NewReader(js)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// Do sends one request and reads the whole response. Requests to /v1/ and their
// responses must match the API's OpenAPI document.
func Do(t testing.TB, method, url, token, contentType string, body any) Response {
	t.Helper()
	req := NewRequest(t, method, url, token, contentType, body)
	check := CheckRequest(t, req, false)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	check.Response(res, b)
	return Response{Response: res, Body: b}
}

// WaitTask polls the API until the task reaches a terminal status and returns it. Like
// any client it waits out a 429 for the Retry-After the API names.
func (e *Env) WaitTask(t testing.TB, token, id string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		res := e.API(t, http.MethodGet, "/v1/api/tasks/"+id, token, "", nil)
		if res.StatusCode == http.StatusTooManyRequests && time.Now().Before(deadline) {
			secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
			require.NoError(t, err, "a 429 names its Retry-After")
			time.Sleep(time.Duration(max(secs, 1)) * time.Second)
			continue
		}
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.Body)
		var task map[string]any
		res.JSON(t, &task)
		switch task["status"] {
		case "completed", "failed", "cancelled":
			return task
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %v after %s: %s", id, task["status"], timeout, res.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
