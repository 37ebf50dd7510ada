package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/task"
)

// Paths of the rules page of a dataset.
const (
	pageRules      = "pages/datasets/rules"
	partRuleParams = "partials/datasets/rule_params"
)

func rulesPath(datasetID string) string { return "/datasets/" + datasetID + "/rules" }

// rulePages edit a dataset's saved rule set through the API and run checks with it.
type rulePages struct {
	db    *entweb.Client
	api   *apiClient
	views *renderer
}

// load starts the form of the dataset in the URL: its name and columns from the API.
func (h rulePages) load(c fiber.Ctx) (*rulesForm, error) {
	id := strings.Clone(c.Params("id"))
	ds, err := h.api.dataset(c.Context(), memberOf(c), id)
	if err != nil {
		return nil, apiReadError(err, "dataset")
	}
	f := &rulesForm{DatasetID: ds.ID, DatasetName: ds.Name, Expiry: expiryOf(memberOf(c).Plan, ds.ExpiresAt)}
	if ds.Status == "ready" {
		f.Columns = ds.Columns
	}
	return f, nil
}

// show renders the saved rule set.
func (h rulePages) show(c fiber.Ctx) error {
	f, err := h.load(c)
	if err != nil {
		return err
	}
	rs, err := h.api.ruleSet(c.Context(), memberOf(c), f.DatasetID)
	if err != nil {
		return apiReadError(err, "dataset")
	}
	f.fill(rs)
	f.Saved = c.Query("saved") != ""
	return h.views.page(c, http.StatusOK, pageRules, f)
}

// params renders the parameter inputs of one row for the check chosen (htmx swaps them
// in when the check changes).
func (h rulePages) params(c fiber.Ctx) error {
	i, err := strconv.Atoi(c.Query("row"))
	if err != nil || i < 0 || i > maxRuleRows {
		return apperr.BadRequest("The row is not valid.")
	}
	row := ruleRow{Index: i, Check: c.Query(fmt.Sprintf("r%d_check", i))}
	return h.views.partial(c, http.StatusOK, partRuleParams, row)
}

const maxRuleRows = 1000

// save handles the form's buttons: add or remove a row, show the fields of the chosen
// checks, or save the whole set through the API (422 with the problems by row).
func (h rulePages) save(c fiber.Ctx) error {
	f, err := h.load(c)
	if err != nil {
		return err
	}
	f.read(c)
	switch op := c.FormValue("op"); {
	case op == "add":
		f.add()
		return h.views.page(c, http.StatusOK, pageRules, f)
	case strings.HasPrefix(op, "remove-"):
		i, _ := strconv.Atoi(strings.TrimPrefix(op, "remove-"))
		f.remove(i)
		return h.views.page(c, http.StatusOK, pageRules, f)
	case op == "refresh":
		return h.views.page(c, http.StatusOK, pageRules, f)
	}
	set, ok := f.ruleSet()
	if !ok {
		return h.views.page(c, http.StatusUnprocessableEntity, pageRules, f)
	}
	if _, err := h.api.saveRuleSet(c.Context(), memberOf(c), f.DatasetID, set); err != nil {
		p, isProblem := asProblem(err)
		switch {
		case isProblem && p.Status == http.StatusUnprocessableEntity:
			f.apply(p.Errors)
			if !f.Invalid() {
				f.setError("rules", orDefault(p.Detail, p.Title))
			}
			return h.views.page(c, http.StatusUnprocessableEntity, pageRules, f)
		case isProblem && p.Status == http.StatusConflict:
			f.setError("rules", "The rules were changed at the same time elsewhere. Reload the page and try again.")
			return h.views.page(c, http.StatusConflict, pageRules, f)
		}
		return apiReadError(err, "dataset")
	}
	return redirect(c, rulesPath(f.DatasetID)+"?saved=1")
}

// run starts a check of the dataset with its saved rules and opens its task page.
func (h rulePages) run(c fiber.Ctx) error {
	f, err := h.load(c)
	if err != nil {
		return err
	}
	acc := memberOf(c)
	t, err := h.api.runSavedRules(c.Context(), acc, f.DatasetID)
	if q, ok := refusedByPlan(err); ok {
		return h.refused(c, f, q)
	}
	if err != nil {
		if p, ok := asProblem(err); ok && p.Status == http.StatusUnprocessableEntity {
			return apperr.Invalid("The saved rules do not fit the dataset: " + p.Detail).WithErr(err)
		}
		return apiReadError(err, "dataset")
	}
	if err := recordTask(c.Context(), h.db, acc, t, f.DatasetName); err != nil {
		return err
	}
	return redirect(c, "/tasks/"+t.ID)
}

// refused shows the rules page again with the plan's refusal of a run (402, as the API
// answered): its message, the limit and the upgrade link.
func (h rulePages) refused(c fiber.Ctx, f *rulesForm, q *quotaRefusal) error {
	rs, err := h.api.ruleSet(c.Context(), memberOf(c), f.DatasetID)
	if err != nil {
		return apiReadError(err, "dataset")
	}
	f.fill(rs)
	f.Quota = q
	return h.views.page(c, http.StatusPaymentRequired, pageRules, f)
}

// recordTask stores the web view of a task the API started; a fast run's webhook may
// have created the row already, then only what it lacks is filled in.
func recordTask(ctx context.Context, db *entweb.Client, acc *member, t *apiTask, datasetName string) error {
	err := db.Task.Create().SetID(t.ID).SetUserID(acc.UserID).SetDatasetID(t.DatasetID).
		SetDatasetName(datasetName).SetStatus(orDefault(t.Status, "pending")).SetStage(t.Stage).
		OnConflictColumns(task.FieldID).
		Update(func(u *entweb.TaskUpsert) { u.UpdateUserID().UpdateDatasetName() }).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("web: record task: %w", err)
	}
	return nil
}

// apiReadError turns the API's answer into the web's error: its 404 is ours.
func apiReadError(err error, what string) error {
	if p, ok := asProblem(err); ok && p.Status == http.StatusNotFound {
		return apperr.NotFound(what).WithErr(err)
	}
	return errAPIUnavailable.WithErr(err)
}
