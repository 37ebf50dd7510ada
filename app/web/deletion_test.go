package web

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"
)

// A scheduled deletion of the account or the organization shows as a banner on every
// page, with its date and a link to cancel.
func TestDeletionBanners(t *testing.T) {
	r, err := newRenderer()
	require.NoError(t, err)
	at := time.Date(2030, 3, 4, 5, 6, 0, 0, time.UTC)
	for _, acc := range []*member{
		{UserID: "u", OrgID: "o", Verified: true},
		{UserID: "u", OrgID: "o", Verified: true, AccountDeletesAt: &at, OrgDeletesAt: &at},
	} {
		out, err := r.exec(layoutBase, view{Page: "pages/home", Account: acc, CSRF: "tok"})
		require.NoError(t, err)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(out)))
		require.NoError(t, err)
		scheduled := acc.OrgDeletesAt != nil
		for _, id := range []string{"#org-deletion-banner", "#account-deletion-banner"} {
			require.Equal(t, scheduled, doc.Find(id).Length() == 1, id)
			if scheduled {
				require.Contains(t, doc.Find(id).Text(), "4 March 2030 05:06 UTC")
			}
		}
	}
}
