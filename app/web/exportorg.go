package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/export"
	"github.com/assayhq/assay/app/lifecycle"
	entweb "github.com/assayhq/assay/ent/web"
)

// Paths and template of the organization export.
const (
	pathSettingsOrgExport = "/settings/organization/export"
	pathExportDownload    = export.PathDownload + ":token"
	pageSettingsOrgExport = "pages/settings_org_export"
)

// Messages of the export settings.
const (
	msgExportPending  = "An export of this organization is already being prepared. You will get an email when it is ready."
	msgExportRate     = "An organization can be exported once per %s. You can ask for the next export after %s."
	msgExportDisabled = "Exports are not available on this server: it has no file storage configured."
	msgExportQueued   = "Your export is being prepared. We will email you a download link when it is ready."
)

var errExportOwnersOnly = apperr.Forbidden("Only the organization's owners can export its data.")

// exportPages let an owner ask for a full export of the organization and download it
// through the mailed link; export.Exports builds it in the background.
type exportPages struct {
	exports *export.Exports
	views   *renderer
}

// exportPage is the export settings page.
type exportPage struct {
	Enabled bool
	Exports []exportRow
	Window  string // the rate limit's period in words
	TTL     string // how long a link works, in words
	Error   string
	Notice  string
}

// exportRow is one export as the page lists it.
type exportRow struct {
	ID          string
	Status      string
	RequestedAt time.Time
	ExpiresAt   *time.Time
	Size        string // "—" until built
}

func (h exportPages) owner(c fiber.Ctx) (*member, error) {
	m := memberOf(c)
	if m == nil || m.Role != access.RoleOwner {
		return nil, errExportOwnersOnly
	}
	return m, nil
}

func (h exportPages) render(c fiber.Ctx, status int, m *member, p exportPage) error {
	rows, err := h.exports.Recent(c.Context(), m.OrgID, 10)
	if err != nil {
		return fmt.Errorf("web: exports: %w", err)
	}
	for _, r := range rows {
		p.Exports = append(p.Exports, exportRow{ID: r.ID, Status: string(r.Status), RequestedAt: r.CreatedAt,
			ExpiresAt: r.ExpiresAt, Size: sizeWords(r.SizeBytes)})
	}
	p.Enabled = h.exports.Enabled()
	p.Window = durationWords(orDuration(h.exports.RateWindow, export.DefaultRateWindow))
	p.TTL = durationWords(orDuration(h.exports.LinkTTL, export.DefaultLinkTTL))
	if !p.Enabled && p.Error == "" {
		p.Error = msgExportDisabled
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.views.page(c, status, pageSettingsOrgExport, p)
}

// show is the export settings page (owners only).
func (h exportPages) show(c fiber.Ctx) error {
	m, err := h.owner(c)
	if err != nil {
		return err
	}
	p := exportPage{}
	if c.Query("requested") == "1" {
		p.Notice = msgExportQueued
	}
	return h.render(c, http.StatusOK, m, p)
}

// request asks for an export (owners, recent authentication by the route). A second
// request while one is prepared gets 409, one within the rate limit 429; both change
// nothing.
func (h exportPages) request(c fiber.Ctx) error {
	m, err := h.owner(c)
	if err != nil {
		return err
	}
	_, err = h.exports.Request(c.Context(), m.OrgID, m.UserID, m.Email)
	var rate *export.RateLimitedError
	switch {
	case errors.Is(err, export.ErrPending):
		return h.render(c, http.StatusConflict, m, exportPage{Error: msgExportPending})
	case errors.As(err, &rate):
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(max(1, int(time.Until(rate.RetryAt).Seconds()))))
		return h.render(c, http.StatusTooManyRequests, m, exportPage{Error: fmt.Sprintf(msgExportRate,
			durationWords(orDuration(h.exports.RateWindow, export.DefaultRateWindow)), rate.RetryAt.Format("15:04 UTC"))})
	case errors.Is(err, export.ErrDisabled):
		return h.render(c, http.StatusServiceUnavailable, m, exportPage{Error: msgExportDisabled})
	case errors.Is(err, export.ErrNotOwner):
		return errExportOwnersOnly
	case err != nil:
		return fmt.Errorf("web: export: %w", err)
	}
	return redirect(c, pathSettingsOrgExport+"?requested=1")
}

// download streams the zip of the link's export to a signed-in owner of its
// organization. A link that is unknown, expired or of an organization the user does not
// own gets a page that says so.
func (h exportPages) download(c fiber.Ctx) error {
	m := memberOf(c)
	row, rc, err := h.exports.Download(c.Context(), c.Params("token"), m.UserID, m.Email)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("Referrer-Policy", "no-referrer") // the link's token is in the path
	switch {
	case errors.Is(err, export.ErrLinkInvalid):
		return h.refused(c, http.StatusNotFound, "export-invalid", "Download link not valid",
			"This download link is not valid. It may have been replaced by a newer export.")
	case errors.Is(err, export.ErrLinkExpired):
		return h.refused(c, http.StatusGone, "export-expired", "Download link expired",
			"This download link has expired and the export was deleted. An owner can ask for a new export.")
	case errors.Is(err, export.ErrLinkOtherOrg):
		return h.refused(c, http.StatusForbidden, "export-other-org", "Not your organization's export",
			"This download link belongs to an organization you are not an owner of. Sign in as one of its owners to download it.")
	case err != nil:
		return fmt.Errorf("web: export download: %w", err)
	}
	attachment(c, "application/zip", exportFileName(row))
	return c.SendStream(rc, int(row.SizeBytes))
}

func (h exportPages) refused(c fiber.Ctx, status int, kind, title, msg string) error {
	return h.views.page(c, status, "pages/notice", noticePage{Kind: kind, Title: title, Error: msg,
		LinkHref: pathSettingsOrgExport, LinkText: "Organization export"})
}

// exportFileName is "assay-export-<date>-<id>.zip".
func exportFileName(r *entweb.Export) string {
	return "assay-export-" + r.CreatedAt.UTC().Format("2006-01-02") + "-" + safeFileChars(r.ID, 40) + ".zip"
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// durationWords is a duration in whole days or hours when it is one ("7 days", "hour").
func durationWords(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d == 24*time.Hour:
		return "day"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return d.String()
}

// apiTenantSource streams an organization's API data from the API's service endpoint.
type apiTenantSource struct{ api *apiClient }

// StreamTenant calls GET /v1/internal/service/tenants/{org_id}/export; the caller reads
// and closes the stream. The client has no overall timeout (ctx bounds it): an export
// takes as long as the data is big.
func (s apiTenantSource) StreamTenant(ctx context.Context, orgID string) (io.ReadCloser, error) {
	tok, err := s.api.signer.MintService("web")
	if err != nil {
		return nil, fmt.Errorf("web: export stream: %w", err)
	}
	path := "/v1/internal/service/tenants/" + orgID + "/export"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.api.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("web: export stream: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", export.StreamContentType)
	res, err := s.api.upload.Do(req)
	if err != nil {
		return nil, fmt.Errorf("web: export stream: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		return nil, fmt.Errorf("web: export stream: %w", readProblem(res))
	}
	return res.Body, nil
}

// sizeWords is a byte count in KB, MB or GB (decimal), "—" for zero.
func sizeWords(n int64) string {
	switch {
	case n <= 0:
		return "—"
	case n < 1_000_000:
		return fmt.Sprintf("%.1f KB", float64(n)/1e3)
	case n < 1_000_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// exportPurger deletes an organization's exports (their zips) before its API data, as
// part of the organization's deletion.
type exportPurger struct {
	exports *export.Exports
	next    lifecycle.TenantPurger
}

// PurgeTenant purges the exports, then the API's data.
func (p exportPurger) PurgeTenant(ctx context.Context, orgID string) (lifecycle.Summary, error) {
	if err := p.exports.PurgeOrg(ctx, orgID); err != nil {
		return lifecycle.Summary{}, err
	}
	return p.next.PurgeTenant(ctx, orgID)
}
