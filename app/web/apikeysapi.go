package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Internal API paths of the API-key settings.
const apiKeysPath = "/v1/internal/api-keys"

// apiKey is the API's JSON of an API key; Key is set only in the answer to a create.
type apiKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Key        string     `json:"key,omitempty"`
}

// apiKeyList is one page of the organization's keys.
type apiKeyList struct {
	Data       []apiKey `json:"data"`
	NextCursor *string  `json:"next_cursor"`
}

// newAPIKey is what the create form sends; ExpiresAt is RFC 3339 or nil.
type newAPIKey struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresAt *string  `json:"expires_at,omitempty"`
}

// apiKeys reads one page of the organization's keys, revoked ones included.
func (a *apiClient) apiKeys(ctx context.Context, acc *member, cursor string) (*apiKeyList, error) {
	q := url.Values{"limit": {"100"}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var l apiKeyList
	if err := a.do(ctx, a.http, acc, http.MethodGet, apiKeysPath+"?"+q.Encode(), "", nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// createAPIKey issues a key; the answer holds the key, which nobody can read again.
func (a *apiClient) createAPIKey(ctx context.Context, acc *member, in newAPIKey) (*apiKey, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("api: encode api key: %w", err)
	}
	var k apiKey
	if err := a.do(ctx, a.http, acc, http.MethodPost, apiKeysPath, "application/json", bytes.NewReader(b), &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// revokeAPIKey ends a key at once.
func (a *apiClient) revokeAPIKey(ctx context.Context, acc *member, id string) (*apiKey, error) {
	var k apiKey
	if err := a.do(ctx, a.http, acc, http.MethodPost, apiKeysPath+"/"+url.PathEscape(id)+"/revoke", "", nil, &k); err != nil {
		return nil, err
	}
	return &k, nil
}
