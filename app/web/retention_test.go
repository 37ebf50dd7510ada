package web

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/web/organization"
)

// The task page says when retention deletes its dataset, by the API's expires_at and
// the organization's plan; without an answer from the API it shows without it.
func TestTaskPageShowsExpiry(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		env.db.Organization.Update().Where(organization.ID(o.OrgID)).SetPlan("pro").ExecX(t.Context())
		env.api.rules.addDataset(o.OrgID, "ds-1", "people.csv", "id")
		id := env.seedTask(t, o, "completed")
		res := env.login(t, o).get("/tasks/" + id)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		exp := res.doc(t).Find("#dataset-expiry")
		require.Equal(t, "Deleted on 14 March 2031 (plan retention 90 days)", exp.Text())
		require.Equal(t, "2031-03-14T09:30:00Z", exp.Find("time").AttrOr("datetime", ""))

		// The other organization's task names a dataset the API does not show it.
		id = env.seedTask(t, other, "completed")
		res = env.login(t, other).get("/tasks/" + id)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Zero(t, res.doc(t).Find("#dataset-expiry").Length())
	})
}
