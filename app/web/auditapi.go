package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/assayhq/assay/app/audit"
)

// apiAuditPath lists the organization's entries in the API database's audit log.
const apiAuditPath = "/v1/internal/audit"

// apiAuditEntry is one entry of the API's audit log, as GET /v1/internal/audit answers.
type apiAuditEntry = audit.APIEntryJSON

type apiAuditList struct {
	Data       []apiAuditEntry `json:"data"`
	NextCursor *string         `json:"next_cursor"`
}

// auditEntries reads one page (up to limit, newest first) of the member's
// organization's API audit entries, from cursor ("" for the newest).
func (a *apiClient) auditEntries(ctx context.Context, acc *member, cursor string, limit int) (*apiAuditList, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var l apiAuditList
	if err := a.do(ctx, a.http, acc, http.MethodGet, apiAuditPath+"?"+q.Encode(), "", nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// allAuditEntries reads one page of every organization's API audit entries for the
// backoffice (a service token), filtered by action prefix, organization and actor id.
func (a *apiClient) allAuditEntries(ctx context.Context, action, org, actor, cursor string, limit int) (*apiAuditList, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	for k, v := range map[string]string{"action": action, "org": org, "actor": actor, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var l apiAuditList
	if err := a.doService(ctx, http.MethodGet, "/v1/internal/service/audit?"+q.Encode(), "", nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}
