package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/assayhq/assay/app/report"
)

// apiDatasetDetail is the part of the API's dataset JSON the rules page uses.
type apiDatasetDetail struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Status  string   `json:"status"`
	Columns []string `json:"columns"`
	// ExpiresAt is when retention deletes the dataset.
	ExpiresAt time.Time `json:"expires_at"`
}

// apiRuleSet is the API's JSON of a dataset's saved rule set.
type apiRuleSet struct {
	Version  int              `json:"version"`
	Rules    []report.Rule    `json:"rules"`
	RowCount report.RowBounds `json:"row_count"`
}

func datasetPath(id string) string { return "/v1/api/datasets/" + url.PathEscape(id) }

// dataset reads one dataset of the organization.
func (a *apiClient) dataset(ctx context.Context, acc *member, id string) (*apiDatasetDetail, error) {
	var ds apiDatasetDetail
	if err := a.do(ctx, a.http, acc, http.MethodGet, datasetPath(id), "", nil, &ds); err != nil {
		return nil, err
	}
	return &ds, nil
}

// ruleSet reads a dataset's saved rule set.
func (a *apiClient) ruleSet(ctx context.Context, acc *member, datasetID string) (*apiRuleSet, error) {
	var rs apiRuleSet
	if err := a.do(ctx, a.http, acc, http.MethodGet, datasetPath(datasetID)+"/rules", "", nil, &rs); err != nil {
		return nil, err
	}
	return &rs, nil
}

// saveRuleSet replaces a dataset's rule set; a refused set is an *apiProblem with Errors.
func (a *apiClient) saveRuleSet(ctx context.Context, acc *member, datasetID string, set report.RuleSet) (*apiRuleSet, error) {
	if set.Rules == nil {
		set.Rules = []report.Rule{}
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("api: encode rule set: %w", err)
	}
	var rs apiRuleSet
	if err := a.do(ctx, a.http, acc, http.MethodPut, datasetPath(datasetID)+"/rules", "application/json", bytes.NewReader(b), &rs); err != nil {
		return nil, err
	}
	return &rs, nil
}

// runSavedRules starts a run over a dataset with its saved rule set (no rules of its own).
func (a *apiClient) runSavedRules(ctx context.Context, acc *member, datasetID string) (*apiTask, error) {
	b, err := json.Marshal(map[string]string{"dataset_id": datasetID})
	if err != nil {
		return nil, fmt.Errorf("api: encode task: %w", err)
	}
	var t apiTask
	if err := a.do(ctx, a.http, acc, http.MethodPost, "/v1/api/tasks", "application/json", bytes.NewReader(b), &t); err != nil {
		return nil, err
	}
	return &t, nil
}
