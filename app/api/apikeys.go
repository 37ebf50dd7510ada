package api

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/apikey"
)

// apiKeyHandlers let the web app list, create and revoke an organization's API keys
// (/v1/internal, the web app's tokens only, roles that may manage API keys).
type apiKeyHandlers struct {
	db    *entapi.Client
	audit *audit.APILog
	now   func() time.Time
}

// apiKeyView is the JSON of an API key; the key itself is never in it. Scopes are the
// effective ones: a key from before scopes shows read and write.
type apiKeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// apiKeyCreated is the answer to a create: the only time the key is shown.
type apiKeyCreated struct {
	apiKeyView
	Key string `json:"key"`
}

func viewAPIKey(k *entapi.APIKey) apiKeyView {
	return apiKeyView{
		ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: apikeys.Effective(k.Scopes),
		CreatedAt: stamp(k.CreatedAt), LastUsedAt: stampPtr(k.LastUsedAt),
		ExpiresAt: stampPtr(k.ExpiresAt), RevokedAt: stampPtr(k.RevokedAt),
	}
}

func apiKeyID(k *entapi.APIKey) string { return k.ID }

// list answers the organization's keys, revoked and expired ones included, newest first.
func (h apiKeyHandlers) list(c fiber.Ctx) error {
	if err := allow(c, access.ManageAPIKeys); err != nil {
		return err
	}
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := h.db.APIKey.Query()
	if p.cursor != "" {
		q = q.Where(apikey.IDLT(p.cursor))
	}
	rows, err := q.Order(entapi.Desc(apikey.FieldID)).Limit(p.limit + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("apikeys: list: %w", err)
	}
	return c.JSON(newList(rows, p, apiKeyID, viewAPIKey))
}

// createAPIKeyRequest is the body of a create; expires_at is an RFC 3339 date-time.
type createAPIKeyRequest struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresAt *string  `json:"expires_at"`
}

func (h apiKeyHandlers) create(c fiber.Ctx) error {
	if err := allow(c, access.ManageAPIKeys); err != nil {
		return err
	}
	var in createAPIKeyRequest
	if err := readJSON(c, &in); err != nil {
		return err
	}
	spec := apikeys.Spec{Name: in.Name, Scopes: in.Scopes}
	if in.ExpiresAt != nil {
		at, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			return apperr.Invalid("expires_at must be an RFC 3339 date-time, like 2030-01-31T00:00:00Z")
		}
		spec.ExpiresAt = &at
	}
	var (
		key string
		k   *entapi.APIKey
	)
	err := withAudit(c.Context(), h.db, h.audit, func(tx *entapi.Tx) (audit.Event, error) {
		var err error
		key, k, err = apikeys.Create(c.Context(), tx.Client(), spec, h.now())
		if err != nil {
			return audit.Event{}, err
		}
		return auditEvent(c, audit.APIKeyCreated, "api_key", k.ID, nil), nil
	})
	var invalid *apikeys.InvalidError
	if errors.As(err, &invalid) {
		return apperr.Invalid(invalid.Error())
	}
	if err != nil {
		return err
	}
	k = k.Unwrap()
	return c.Status(fiber.StatusCreated).JSON(apiKeyCreated{apiKeyView: viewAPIKey(k), Key: key})
}

// revoke ends a key at once; revoking it again answers the same key unchanged.
func (h apiKeyHandlers) revoke(c fiber.Ctx) error {
	if err := allow(c, access.ManageAPIKeys); err != nil {
		return err
	}
	var k *entapi.APIKey
	err := withAudit(c.Context(), h.db, h.audit, func(tx *entapi.Tx) (audit.Event, error) {
		var (
			changed bool
			err     error
		)
		k, changed, err = apikeys.Revoke(c.Context(), tx.Client(), c.Params("id"), h.now())
		if err != nil || !changed {
			return audit.Event{}, err // revoking again records nothing
		}
		return auditEvent(c, audit.APIKeyRevoked, "api_key", k.ID, nil), nil
	})
	if entapi.IsNotFound(err) {
		return apperr.NotFound("API key")
	}
	if err != nil {
		return err
	}
	return c.JSON(viewAPIKey(k.Unwrap()))
}
