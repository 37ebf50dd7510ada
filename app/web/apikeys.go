package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
)

// Paths and templates of the API-key settings.
const (
	pathSettingsAPIKeys      = "/settings/api-keys" // #nosec G101 -- a URL path, not a credential
	pageSettingsAPIKeys      = "pages/settings_api_keys"
	partialSettingsAPIKeys   = "partials/settings_api_keys"
	pageSettingsAPIKeyRevoke = "pages/settings_api_key_revoke"
	dateLayout               = "2006-01-02"
	maxKeyLifetimeDays       = 365
)

var errMayNotManageKeys = apperr.Forbidden("Only the owners and admins of the organization can manage its API keys.")

// apiKeyPages let owners and admins list, create and revoke their organization's API
// keys. The API keeps the keys; every change goes through its internal endpoints.
type apiKeyPages struct {
	api   *apiClient
	views *renderer
	now   func() time.Time
	audit audit.Func
}

// apiKeysView is the panel of the page: the list, the create form and its outcome.
type apiKeysView struct {
	CSRF       string
	Keys       []apiKeyRow
	NextCursor string
	Form       apiKeyForm
	Error      string  // the API's (or the form's) validation message
	Created    *apiKey // the key just issued, shown this once
	Notice     string
	MinDate    string
	MaxDate    string
}

// apiKeyForm is what the create form holds.
type apiKeyForm struct {
	Name    string
	Read    bool
	Write   bool
	Expires string // YYYY-MM-DD or empty
}

// apiKeyRow is a key as the list shows it.
type apiKeyRow struct {
	apiKey
	Status string // active, expired or revoked
}

// CanManageAPIKeys reports whether the member may see and use the API-key settings.
func (m *member) CanManageAPIKeys() bool {
	return m != nil && access.Can(m.Role, access.ManageAPIKeys)
}

// authorize is middleware after signedIn: members without the permission get 403.
func (h apiKeyPages) authorize(c fiber.Ctx) error {
	if !memberOf(c).CanManageAPIKeys() {
		return errMayNotManageKeys
	}
	return c.Next()
}

func (h apiKeyPages) show(c fiber.Ctx) error {
	v, err := h.load(c, apiKeyForm{Read: true, Write: true}, c.Query("cursor"))
	if err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, pageSettingsAPIKeys, v)
}

// create issues a key and shows it once; bad input re-renders the form with 422 and the
// API's message.
func (h apiKeyPages) create(c fiber.Ctx) error {
	form := apiKeyForm{
		Name:    c.FormValue("name"),
		Expires: strings.TrimSpace(c.FormValue("expires")),
	}
	in := newAPIKey{Name: form.Name, Scopes: []string{}}
	for _, s := range c.Request().PostArgs().PeekMulti("scopes") {
		in.Scopes = append(in.Scopes, string(s))
		form.Read = form.Read || string(s) == "read"
		form.Write = form.Write || string(s) == "write"
	}
	if form.Expires != "" {
		day, err := time.Parse(dateLayout, form.Expires)
		if err != nil {
			return h.reject(c, form, "Enter the expiry date as YYYY-MM-DD, or leave it empty for a key that does not expire.")
		}
		at := day.UTC().Format(time.RFC3339)
		in.ExpiresAt = &at
	}
	k, err := h.api.createAPIKey(c.Context(), memberOf(c), in)
	if p, ok := asProblem(err); ok && (p.Status == http.StatusUnprocessableEntity || p.Status == http.StatusRequestEntityTooLarge) {
		return h.reject(c, form, orDefault(p.Detail, p.Title))
	}
	if err != nil {
		return apiFailure(err)
	}
	h.record(c, audit.APIKeyCreated, k.ID, k.Name)
	v, err := h.load(c, apiKeyForm{Read: true, Write: true}, "")
	if err != nil {
		return err
	}
	v.Created = k
	return h.render(c, http.StatusOK, v)
}

// revoke asks to confirm first when the browser has no script (htmx asks on the page
// and sends confirm=yes); then it ends the key at once.
func (h apiKeyPages) revoke(c fiber.Ctx) error {
	id := c.Params("id")
	if c.FormValue("confirm") != "yes" {
		k, err := h.find(c, id)
		if err != nil {
			return err
		}
		return h.views.page(c, http.StatusOK, pageSettingsAPIKeyRevoke, k)
	}
	k, err := h.api.revokeAPIKey(c.Context(), memberOf(c), id)
	if err != nil {
		return apiFailure(err)
	}
	h.record(c, audit.APIKeyRevoked, id, k.Name)
	if !isFragmentRequest(c) {
		return redirect(c, pathSettingsAPIKeys)
	}
	v, err := h.load(c, apiKeyForm{Read: true, Write: true}, "")
	if err != nil {
		return err
	}
	v.Notice = fmt.Sprintf("The key “%s” is revoked: requests with it now fail.", k.Name)
	return h.render(c, http.StatusOK, v)
}

// record writes an API key event of the signed-in member (never the key itself).
func (h apiKeyPages) record(c fiber.Ctx, name, id, keyName string) {
	e := memberEvent(c, name)
	e.TargetType, e.Target, e.Details = "api_key", id, map[string]string{"name": keyName}
	h.audit(c.Context(), e)
}

// find returns a key of the organization's first page of keys, or 404.
func (h apiKeyPages) find(c fiber.Ctx, id string) (*apiKey, error) {
	l, err := h.api.apiKeys(c.Context(), memberOf(c), "")
	if err != nil {
		return nil, apiFailure(err)
	}
	for i := range l.Data {
		if l.Data[i].ID == id {
			return &l.Data[i], nil
		}
	}
	return nil, apperr.NotFound("API key")
}

func (h apiKeyPages) reject(c fiber.Ctx, form apiKeyForm, msg string) error {
	v, err := h.load(c, form, "")
	if err != nil {
		return err
	}
	v.Error = msg
	return h.render(c, http.StatusUnprocessableEntity, v)
}

// render answers the panel alone to htmx, the whole page otherwise.
func (h apiKeyPages) render(c fiber.Ctx, status int, v apiKeysView) error {
	if isFragmentRequest(c) {
		return h.views.partial(c, status, partialSettingsAPIKeys, v)
	}
	return h.views.page(c, status, pageSettingsAPIKeys, v)
}

func (h apiKeyPages) load(c fiber.Ctx, form apiKeyForm, cursor string) (apiKeysView, error) {
	now := h.now().UTC()
	v := apiKeysView{
		CSRF: sessionOf(c).csrf(), Form: form,
		MinDate: now.AddDate(0, 0, 1).Format(dateLayout),
		MaxDate: now.AddDate(0, 0, maxKeyLifetimeDays).Format(dateLayout),
	}
	l, err := h.api.apiKeys(c.Context(), memberOf(c), cursor)
	if err != nil {
		return v, apiFailure(err)
	}
	for _, k := range l.Data {
		row := apiKeyRow{apiKey: k, Status: "active"}
		switch {
		case k.RevokedAt != nil:
			row.Status = "revoked"
		case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
			row.Status = "expired"
		}
		v.Keys = append(v.Keys, row)
	}
	if l.NextCursor != nil {
		v.NextCursor = *l.NextCursor
	}
	return v, nil
}

// apiFailure passes the API's refusals on (403, 404) and turns anything else into a
// 502 page.
func apiFailure(err error) error {
	if p, ok := asProblem(err); ok {
		switch p.Status {
		case http.StatusForbidden:
			return errMayNotManageKeys.WithErr(err)
		case http.StatusNotFound:
			return apperr.NotFound("API key").WithErr(err)
		case http.StatusUnprocessableEntity, http.StatusTooManyRequests:
			return apperr.New(p.Status, orDefault(p.Detail, p.Title)).WithErr(err)
		}
	}
	return errAPIUnavailable.WithErr(err)
}
