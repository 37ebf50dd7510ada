package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/assayhq/assay/app/report"
)

// maxRuns is how many of a dataset's newest runs the trend and the compare picker show.
const maxRuns = 100

// reportJSON reads a finished task's report as the API sent it.
func (a *apiClient) reportJSON(ctx context.Context, acc *member, id string) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := a.do(ctx, a.http, acc, http.MethodGet, "/v1/api/tasks/"+url.PathEscape(id)+"/report", "", nil, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// decodeReport decodes a report read with reportJSON.
func decodeReport(raw json.RawMessage) (*report.Report, error) {
	var r report.Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("api: decode report: %w", err)
	}
	return &r, nil
}

// datasetRuns reads the completed runs of a dataset that have a score, oldest first.
func (a *apiClient) datasetRuns(ctx context.Context, acc *member, datasetID string) ([]runPoint, error) {
	var l apiTaskList
	path := fmt.Sprintf("/v1/api/tasks?limit=%d&dataset_id=%s", maxRuns, url.QueryEscape(datasetID))
	if err := a.do(ctx, a.http, acc, http.MethodGet, path, "", nil, &l); err != nil {
		return nil, err
	}
	runs := make([]runPoint, 0, len(l.Data))
	for _, t := range l.Data {
		if t.Status != "completed" || t.Score == nil || t.DatasetID != datasetID {
			continue
		}
		p := runPoint{ID: t.ID, Score: *t.Score}
		if t.FinishedAt != nil {
			p.At = *t.FinishedAt
		}
		runs = append(runs, p)
	}
	// Ids are time-ordered (UUIDv7): they break ties of runs finished together.
	slices.SortFunc(runs, func(x, y runPoint) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return runs, nil
}
