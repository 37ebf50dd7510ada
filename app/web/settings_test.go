package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/ent/web/session"
)

const (
	uaFirefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
	uaChromeAndroid  = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
	uaSafariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)

// trustTestPeer lets X-Forwarded-For name the client: app.Test connects from 0.0.0.0.
func trustTestPeer(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} }

// loginFrom signs o in through the login form from a browser with that User-Agent and,
// when ip is set (and the test peer is trusted), that client IP.
func (e *testEnv) loginFrom(t *testing.T, o owner, ua, ip string) *client {
	t.Helper()
	h := []string{"User-Agent", ua}
	if ip != "" {
		h = append(h, "X-Forwarded-For", ip)
	}
	c := e.client(t)
	c.get("/login", h...)
	res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}}, h...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	c.get("/dashboard", h...)
	return c
}

// listedSession is one row of the sessions table.
type listedSession struct {
	ID, Device, IP string
	Current        bool
}

func listedSessions(t *testing.T, doc *goquery.Document) []listedSession {
	t.Helper()
	var out []listedSession
	doc.Find("#sessions-table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		action := tr.Find("form.revoke").AttrOr("action", "")
		id := strings.TrimSuffix(strings.TrimPrefix(action, pathSettingsSessions+"/"), "/revoke")
		device := strings.TrimSpace(tr.Find("td.device").Contents().First().Text())
		out = append(out, listedSession{
			ID: id, Device: device, IP: strings.TrimSpace(tr.Find("td.ip").Text()),
			Current: tr.Find(".this-device").Length() == 1,
		})
	})
	return out
}

// sentToLogin asserts that c's next request is sent to /login.
func sentToLogin(t *testing.T, c *client) {
	t.Helper()
	res := c.get("/dashboard")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/login", res.Header.Get("Location"))
}

func stillSignedIn(t *testing.T, c *client) {
	t.Helper()
	require.Equal(t, http.StatusOK, c.get("/dashboard").StatusCode)
}

func sessionCount(t *testing.T, env *testEnv, userID string) int {
	t.Helper()
	return env.db.Session.Query().Where(session.UserID(userID)).CountX(context.Background())
}

func TestSessionsPageListsDevices(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		firefox := env.loginFrom(t, o, uaFirefoxWindows, "203.0.113.7")
		chrome := env.loginFrom(t, o, uaChromeAndroid, "198.51.100.2")
		env.loginFrom(t, other, uaSafariMac, "192.0.2.9")

		for _, tc := range []struct {
			name    string
			c       *client
			current string
		}{
			{"from firefox", firefox, "Firefox on Windows"},
			{"from chrome", chrome, "Chrome on Android"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := tc.c.get(pathSettingsSessions)
				require.Equal(t, http.StatusOK, res.StatusCode)
				doc := res.doc(t)
				require.Equal(t, 1, doc.Find(`#settings-nav a[href="/settings/password"]`).Length())
				got := map[string]listedSession{}
				for _, s := range listedSessions(t, doc) {
					got[s.Device] = s
				}
				require.Len(t, got, 2, "only o's sessions: %v", got)
				require.Equal(t, "203.0.113.7", got["Firefox on Windows"].IP)
				require.Equal(t, "198.51.100.2", got["Chrome on Android"].IP)
				for device, s := range got {
					require.Equal(t, device == tc.current, s.Current, device)
					require.Equal(t, !s.Current, s.ID != "", "a revoke form on every other row: %s", device)
				}
			})
		}
	}, trustTestPeer)
}

func TestRevokeSession(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o, other := env.owner(t), env.owner(t)
		me := env.loginFrom(t, o, uaFirefoxWindows, "")
		phone := env.loginFrom(t, o, uaChromeAndroid, "")
		laptop := env.loginFrom(t, o, uaSafariMac, "")
		theirs := env.loginFrom(t, other, uaSafariMac, "")
		theirID := env.db.Session.Query().Where(session.UserID(other.UserID)).OnlyX(ctx).ID
		idOf := func(device string) string {
			for _, s := range listedSessions(t, me.get(pathSettingsSessions).doc(t)) {
				if s.Device == device {
					return s.ID
				}
			}
			t.Fatalf("no session of %s listed", device)
			return ""
		}

		// Another user's session, an unknown id, a missing token: refused, nothing changed.
		refused := []struct {
			name   string
			id     string
			form   url.Values
			status int
		}{
			{"another user's session", theirID, url.Values{}, http.StatusNotFound},
			{"unknown id", strings.Repeat("0", 64), url.Values{}, http.StatusNotFound},
			{"no csrf token", idOf("Chrome on Android"), url.Values{fieldCSRF: {""}}, http.StatusForbidden},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				res := me.postForm(pathSettingsSessions+"/"+tc.id+"/revoke", tc.form)
				require.Equal(t, tc.status, res.StatusCode, res.Body)
				require.Equal(t, 3, sessionCount(t, env, o.UserID))
				require.Equal(t, 1, sessionCount(t, env, other.UserID))
				stillSignedIn(t, theirs)
			})
		}

		// Without JavaScript: a redirect back to the page, and that browser is signed out.
		res := me.postForm(pathSettingsSessions+"/"+idOf("Chrome on Android")+"/revoke", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, pathSettingsSessions, res.Header.Get("Location"))
		sentToLogin(t, phone)
		stillSignedIn(t, me)
		stillSignedIn(t, laptop)

		// With htmx: the list alone, without the revoked row.
		res = me.postForm(pathSettingsSessions+"/"+idOf("Safari on macOS")+"/revoke", url.Values{}, hxRequest, "true")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.NotContains(t, res.Body, "<html")
		doc := res.doc(t)
		require.Equal(t, "Signed out Safari on macOS.", strings.TrimSpace(doc.Find("#sessions-notice").Text()))
		require.Equal(t, []listedSession{{Device: "Firefox on Windows", IP: "0.0.0.0", Current: true}}, listedSessions(t, doc))
		sentToLogin(t, laptop)
		stillSignedIn(t, me)
		stillSignedIn(t, theirs)
	})
}

func TestRevokeOtherSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o, other := env.owner(t), env.owner(t)
		me := env.loginFrom(t, o, uaFirefoxWindows, "")
		others := []*client{env.loginFrom(t, o, uaChromeAndroid, ""), env.loginFrom(t, o, uaSafariMac, "")}
		theirs := env.loginFrom(t, other, uaSafariMac, "")

		res := me.postForm(pathSettingsSessions+"/revoke-others", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		for _, c := range others {
			sentToLogin(t, c)
		}
		stillSignedIn(t, me)
		stillSignedIn(t, theirs)
		rows := env.db.Session.Query().Where(session.UserID(o.UserID)).AllX(ctx)
		require.Len(t, rows, 1)
		require.Equal(t, uaFirefoxWindows, rows[0].UserAgent)

		// Again through htmx: nothing left to end, the list says so.
		res = me.postForm(pathSettingsSessions+"/revoke-others", url.Values{}, hxRequest, "true")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "There were no other sessions.", strings.TrimSpace(res.doc(t).Find("#sessions-notice").Text()))
	})
}

func TestLogoutEverywhere(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		me := env.loginFrom(t, o, uaFirefoxWindows, "")
		phone := env.loginFrom(t, o, uaChromeAndroid, "")
		theirs := env.loginFrom(t, other, uaSafariMac, "")
		stolen := *me.cookie

		res := me.postForm(pathSettingsSessions+"/revoke-all", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, "/login", res.Header.Get("Location"))
		require.Nil(t, me.cookie, "the cookie is expired")
		sentToLogin(t, phone)
		replay := env.client(t)
		replay.cookie = &stolen
		sentToLogin(t, replay)
		require.Zero(t, sessionCount(t, env, o.UserID))
		stillSignedIn(t, theirs)
	})
}

func TestSettingsNeedSignIn(t *testing.T) {
	env := newSQLiteEnv(t)
	for _, path := range []string{pathSettingsSessions, pathSettingsPassword} {
		res := env.client(t).get(path)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, path)
		require.Equal(t, "/login", res.Header.Get("Location"))
	}
}
