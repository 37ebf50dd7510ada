package web

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

// fakeClock replaces the session store's clock; advance moves it.
type fakeClock struct{ now atomic.Int64 }

func useFakeClock(env *testEnv) *fakeClock {
	c := &fakeClock{}
	c.now.Store(time.Now().UTC().UnixNano())
	env.srv.sessions.store.now = func() time.Time { return time.Unix(0, c.now.Load()).UTC() }
	return c
}

func (c *fakeClock) advance(d time.Duration) { c.now.Add(int64(d)) }

// The idle and absolute timeouts hold on the server whatever the browser does: each step
// moves the clock, makes one request and expects to be signed in or sent to /login.
func TestSessionTimeoutsOnServer(t *testing.T) {
	type step struct {
		after    time.Duration
		signedIn bool
	}
	cases := []struct {
		name  string
		cfg   func(*config.Config)
		steps []step
	}{
		{"active within the idle timeout", nil, []step{{29 * time.Minute, true}, {29 * time.Minute, true}, {29 * time.Minute, true}}},
		{"idle for 30 minutes", nil, []step{{10 * time.Minute, true}, {30 * time.Minute, false}}},
		{"active past the absolute timeout", nil, func() []step {
			var s []step
			for range 12*60/20 - 1 {
				s = append(s, step{20 * time.Minute, true}) // 11 h 40 min
			}
			return append(s, step{19 * time.Minute, true}, step{2 * time.Minute, false})
		}()},
		{"configured idle timeout", func(c *config.Config) { c.SessionIdleTimeout = 5 * time.Minute },
			[]step{{4 * time.Minute, true}, {4 * time.Minute, true}, {6 * time.Minute, false}}},
		{"configured absolute timeout", func(c *config.Config) { c.SessionMaxAge = time.Hour },
			[]step{{25 * time.Minute, true}, {25 * time.Minute, true}, {11 * time.Minute, false}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*config.Config)
			if tc.cfg != nil {
				opts = append(opts, tc.cfg)
			}
			eachDB(t, func(t *testing.T, env *testEnv) {
				clock := useFakeClock(env)
				c := env.login(t, env.owner(t))
				for i, s := range tc.steps {
					clock.advance(s.after)
					res := c.get("/dashboard")
					if s.signedIn {
						require.Equal(t, http.StatusOK, res.StatusCode, "step %d", i)
						continue
					}
					require.Equal(t, http.StatusSeeOther, res.StatusCode, "step %d", i)
					require.Equal(t, "/login", res.Header.Get("Location"))
					require.Zero(t, env.db.Session.Query().CountX(context.Background()), "the timed-out row is deleted")
				}
			}, opts...)
		})
	}
}

// The sessions page lists only sessions that have not timed out, though their rows wait
// for the sweep.
func TestSessionsPageHidesTimedOut(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		clock := useFakeClock(env)
		o := env.owner(t)
		me := env.loginFrom(t, o, uaFirefoxWindows, "")
		env.loginFrom(t, o, uaChromeAndroid, "")
		clock.advance(20 * time.Minute)
		stillSignedIn(t, me)
		clock.advance(15 * time.Minute) // the phone has been idle 35 minutes
		got := listedSessions(t, me.get(pathSettingsSessions).doc(t))
		require.Equal(t, []listedSession{{Device: "Firefox on Windows", IP: "0.0.0.0", Current: true}}, got)
		require.Equal(t, 2, sessionCount(t, env, o.UserID))
	})
}
