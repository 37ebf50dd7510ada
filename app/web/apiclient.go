package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/report"
)

// Limits on what the web app reads back from the API.
const (
	maxAPIResponse = 64 << 20
	maxProblemBody = 64 << 10
	uploadTimeout  = time.Hour
)

// apiProblem is an error answer of the API (RFC 9457 problem details).
type apiProblem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	// Errors lists the problems of a refused rule set, each naming its rule.
	Errors []report.FieldError `json:"errors"`
	// Limit names the plan limit that refused the request (402, 413 or 429 over a plan).
	Limit string `json:"limit"`
	// UpgradeURL is where the API says the plan can be raised (with Limit).
	UpgradeURL string `json:"upgrade_url"`
}

func (p *apiProblem) Error() string {
	return fmt.Sprintf("api: %d %s: %s", p.Status, p.Title, p.Detail)
}

// apiDataset is the part of the API's dataset JSON the web app uses.
type apiDataset struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// apiStage is one pipeline stage of a task, as the API and live events report it.
type apiStage struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
}

// apiTask is the API's task JSON.
type apiTask struct {
	ID         string     `json:"id"`
	DatasetID  string     `json:"dataset_id"`
	Status     string     `json:"status"`
	Stage      string     `json:"stage"`
	Progress   float64    `json:"progress"`
	Score      *float64   `json:"score"`
	Error      string     `json:"error"`
	Stages     []apiStage `json:"stages"`
	FinishedAt *time.Time `json:"finished_at"`
}

// apiClient calls the API over HTTP with a short-lived JWT minted per request.
type apiClient struct {
	base      string
	http      *http.Client
	upload    *http.Client // no overall timeout: big files take long; the context bounds it
	signer    *auth.Signer
	maxUpload int64
}

func newAPIClient(baseURL string, hc *http.Client, signer *auth.Signer, maxUpload int64) *apiClient {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	up := *hc
	up.Timeout = 0
	return &apiClient{
		base: strings.TrimRight(baseURL, "/"), http: hc, upload: &up, signer: signer, maxUpload: maxUpload,
	}
}

func (a *apiClient) token(acc *member) (string, error) {
	p := plan.Or(acc.Plan)
	lim := p.Limits
	if a.maxUpload > 0 && a.maxUpload < lim.MaxUploadBytes {
		lim.MaxUploadBytes = a.maxUpload // the server's own ceiling is lower than the plan's
	}
	t, err := a.signer.MintPlanAt(acc.UserID, acc.OrgID, acc.Role, p.ID, lim, acc.PlanAt)
	if err != nil {
		return "", fmt.Errorf("api: mint token: %w", err)
	}
	return t, nil
}

// do sends one request and decodes a 2xx JSON answer into out; other answers become
// *apiProblem.
func (a *apiClient) do(ctx context.Context, hc *http.Client, acc *member, method, path, contentType string, body io.Reader, out any) error {
	tok, err := a.token(acc)
	if err != nil {
		return err
	}
	return a.send(ctx, hc, tok, method, path, contentType, body, out)
}

// doService is do for a call the web app makes as itself (auth.Signer.MintService):
// the paths under /v1/internal/service, which act for no signed-in user.
func (a *apiClient) doService(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	tok, err := a.signer.MintService("web")
	if err != nil {
		return fmt.Errorf("api: mint service token: %w", err)
	}
	return a.send(ctx, a.http, tok, method, path, contentType, body, out)
}

// send makes one request with a bearer token; see do.
func (a *apiClient) send(ctx context.Context, hc *http.Client, tok, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return fmt.Errorf("api: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("api: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return readProblem(res)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, maxAPIResponse)).Decode(out); err != nil {
		return fmt.Errorf("api: %s %s: decode: %w", method, path, err)
	}
	return nil
}

func readProblem(res *http.Response) error {
	p := &apiProblem{Status: res.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxProblemBody))
	if len(bytes.TrimSpace(b)) > 0 {
		_ = json.Unmarshal(b, p)
		p.Status = res.StatusCode
	}
	if p.Title == "" {
		p.Title = http.StatusText(res.StatusCode)
	}
	return p
}

// asProblem returns the API's problem answer within err, if any.
func asProblem(err error) (*apiProblem, bool) {
	var p *apiProblem
	ok := errors.As(err, &p)
	return p, ok
}

// createDataset streams body to POST /v1/api/datasets as it arrives; nothing is buffered.
// The copy from body ends before it returns.
func (a *apiClient) createDataset(ctx context.Context, acc *member, name, contentType string, body io.Reader) (*apiDataset, error) {
	ctx, cancel := context.WithTimeout(ctx, uploadTimeout)
	defer cancel()
	pr, pw := io.Pipe()
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(pw, body)
		pw.CloseWithError(err)
		copied <- err
	}()
	var ds apiDataset
	err := a.do(ctx, a.upload, acc, http.MethodPost, "/v1/api/datasets?name="+url.QueryEscape(name), contentType, pr, &ds)
	// The API may answer before reading everything (a limit, a bad format): unblock the copy.
	pr.CloseWithError(errUploadAnswered)
	if cerr := <-copied; cerr != nil && !errors.Is(cerr, errUploadAnswered) && !errors.Is(cerr, io.ErrClosedPipe) {
		return nil, fmt.Errorf("api: %w: %w", errUploadRead, cerr)
	}
	if err != nil {
		return nil, err
	}
	return &ds, nil
}

var (
	errUploadAnswered = errors.New("api answered the upload")
	// errUploadRead is the browser's side failing (a cut or oversized body), not the API's.
	errUploadRead = errors.New("upload: read body")
)

// createURLDataset has the API record a dataset to fetch from sourceURL; an empty name
// lets the API name it after the URL.
func (a *apiClient) createURLDataset(ctx context.Context, acc *member, name, sourceURL string) (*apiDataset, error) {
	in := map[string]string{"source_url": sourceURL}
	if name != "" {
		in["name"] = name
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("api: encode dataset: %w", err)
	}
	var ds apiDataset
	if err := a.do(ctx, a.http, acc, http.MethodPost, "/v1/api/datasets", "application/json", bytes.NewReader(b), &ds); err != nil {
		return nil, err
	}
	return &ds, nil
}

// deleteDataset deletes a dataset that no task will use.
func (a *apiClient) deleteDataset(ctx context.Context, acc *member, id string) error {
	return a.do(ctx, a.http, acc, http.MethodDelete, "/v1/api/datasets/"+url.PathEscape(id), "", nil, nil)
}

// createTask starts a run over a dataset.
func (a *apiClient) createTask(ctx context.Context, acc *member, datasetID string, rules []report.Rule) (*apiTask, error) {
	if rules == nil {
		rules = []report.Rule{}
	}
	b, err := json.Marshal(map[string]any{"dataset_id": datasetID, "rules": rules})
	if err != nil {
		return nil, fmt.Errorf("api: encode task: %w", err)
	}
	var t apiTask
	if err := a.do(ctx, a.http, acc, http.MethodPost, "/v1/api/tasks", "application/json", bytes.NewReader(b), &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// task reads a task's live state.
func (a *apiClient) task(ctx context.Context, acc *member, id string) (*apiTask, error) {
	var t apiTask
	if err := a.do(ctx, a.http, acc, http.MethodGet, "/v1/api/tasks/"+url.PathEscape(id), "", nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// report reads a finished task's report.
func (a *apiClient) report(ctx context.Context, acc *member, id string) (*report.Report, error) {
	var r report.Report
	if err := a.do(ctx, a.http, acc, http.MethodGet, "/v1/api/tasks/"+url.PathEscape(id)+"/report", "", nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// apiTaskList is one page of the API's task list.
type apiTaskList struct {
	Data []apiTask `json:"data"`
}

// recentTasks reads the organization's newest tasks, without their stages.
func (a *apiClient) recentTasks(ctx context.Context, acc *member, limit int) ([]apiTask, error) {
	var l apiTaskList
	path := fmt.Sprintf("/v1/api/tasks?limit=%d", limit)
	if err := a.do(ctx, a.http, acc, http.MethodGet, path, "", nil, &l); err != nil {
		return nil, err
	}
	return l.Data, nil
}
