package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLocalPath(t *testing.T) {
	tests := []struct {
		target string
		want   string
	}{
		{"/dashboard", "/dashboard"},
		{"/tasks/0193?tab=report#rules", "/tasks/0193?tab=report#rules"},
		{"/", "/"},
		{"/a//b", "/a//b"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // stays a path: browsers do not decode it
		{"", ""},
		{"dashboard", ""},
		{"//evil.example", ""},
		{"///evil.example", ""},
		{"/\\evil.example", ""},
		{"\\\\evil.example", ""},
		{"/a\\b", ""},
		{"https://evil.example", ""},
		{"http:/evil.example", ""},
		{"javascript:alert(1)", ""},
		{"data:text/html,hi", ""},
		{" /dashboard", ""},
		{"/\t/evil.example", ""},
		{"/\n/evil.example", ""},
		{"/\r\nSet-Cookie: x=y", ""},
		{"/\x00", ""},
		{"/" + string(make([]byte, maxNextLen)), ""},
		{"/%zz", ""},
	}
	for _, tc := range tests {
		t.Run(url.QueryEscape(tc.target), func(t *testing.T) {
			require.Equal(t, tc.want, localPath(tc.target))
		})
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/dashboard", "//evil.example", "/\\evil", "https://x", "/\t/x", "/a?b#c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := localPath(s)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || len(got) < 1 || got[0] != '/' || (len(got) > 1 && (got[1] == '/' || got[1] == '\\')) {
			t.Fatalf("localPath(%q) = %q is not local", s, got)
		}
		// What a browser would resolve it to stays on the site.
		base, _ := url.Parse("https://assay.example/login")
		if r := base.ResolveReference(u); r.Host != "assay.example" {
			t.Fatalf("localPath(%q) resolves to host %q", s, r.Host)
		}
	})
}

// Login follows ?next= only to a path of this site.
func TestLoginNext(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	tests := []struct {
		next, want string
	}{
		{"/tasks/abc?x=1", "/tasks/abc?x=1"},
		{"", "/dashboard"},
		{"//evil.example/", "/dashboard"},
		{"/\\evil.example", "/dashboard"},
		{"https://evil.example/", "/dashboard"},
		{"/\t/evil.example", "/dashboard"},
	}
	for _, tc := range tests {
		t.Run(url.QueryEscape(tc.next), func(t *testing.T) {
			c := env.client(t)
			form := c.get("/login?next=" + url.QueryEscape(tc.next))
			want := localPath(tc.next)
			require.Equal(t, want, form.doc(t).Find(`#login-form input[name="next"]`).AttrOr("value", ""))
			// The posted field is what counts: a hostile one is ignored as well.
			res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}, "next": {tc.next}})
			require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
			require.Equal(t, tc.want, res.Header.Get("Location"))
		})
	}
}
