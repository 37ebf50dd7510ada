package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/flags"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/featureflag"
	"github.com/assayhq/assay/ent/web/featureflagoverride"
)

const pathAdminFlags = "/admin/flags"

// flagKey is the shape of a flag's key: lower case words joined by dots, dashes or underscores.
var flagKey = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

type flagRow struct {
	*entweb.FeatureFlag
	Overrides []*entweb.FeatureFlagOverride
}

type flagsPage struct {
	Flags  []flagRow
	Form   flagForm
	Errors map[string]string
}

type flagForm struct{ Key, Description string }

// flagsList lists every flag with its default and its per-organization overrides.
func (h *adminPages) flagsList(c fiber.Ctx) error {
	return h.flagsPage(c, http.StatusOK, flagForm{}, nil)
}

func (h *adminPages) flagsPage(c fiber.Ctx, status int, form flagForm, errs map[string]string) error {
	ctx := c.Context()
	fs, err := h.db.FeatureFlag.Query().Order(entweb.Asc(featureflag.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("web: admin flags: %w", err)
	}
	p := flagsPage{Form: form, Errors: errs}
	for _, f := range fs {
		ov, err := h.db.FeatureFlagOverride.Query().Where(featureflagoverride.FlagKey(f.ID)).
			Order(entweb.Asc(featureflagoverride.FieldOrgID)).All(ctx)
		if err != nil {
			return fmt.Errorf("web: admin flag overrides: %w", err)
		}
		p.Flags = append(p.Flags, flagRow{FeatureFlag: f, Overrides: ov})
	}
	return h.page(c, status, "admin/flags", p)
}

// flagSave creates a flag, or changes its description and global default.
func (h *adminPages) flagSave(c fiber.Ctx) error {
	form := flagForm{Key: strings.TrimSpace(c.FormValue("key")), Description: truncate(c.FormValue("description"), 500)}
	on := c.FormValue("enabled") == "on"
	if !flagKey.MatchString(form.Key) {
		return h.flagsPage(c, http.StatusUnprocessableEntity, form,
			map[string]string{"key": "Use up to 64 lower-case letters, digits, dots, dashes or underscores."})
	}
	err := h.db.FeatureFlag.Create().SetID(form.Key).SetDescription(form.Description).SetEnabled(on).
		OnConflictColumns(featureflag.FieldID).UpdateDescription().UpdateEnabled().UpdateUpdatedAt().
		Exec(c.Context())
	if err != nil {
		return fmt.Errorf("web: admin flag save: %w", err)
	}
	h.record(c, audit.AdminFlagSaved, "", "feature_flag", form.Key, map[string]string{"enabled": fmt.Sprint(on)})
	return redirect(c, pathAdminFlags)
}

// flagToggle flips a flag's global default.
func (h *adminPages) flagToggle(c fiber.Ctx) error {
	f, err := h.db.FeatureFlag.Get(c.Context(), c.Params("key"))
	if entweb.IsNotFound(err) {
		return errAdminHidden
	}
	if err != nil {
		return fmt.Errorf("web: admin flag toggle: %w", err)
	}
	if err := h.db.FeatureFlag.UpdateOne(f).SetEnabled(!f.Enabled).Exec(c.Context()); err != nil {
		return fmt.Errorf("web: admin flag toggle: %w", err)
	}
	h.record(c, audit.AdminFlagSaved, "", "feature_flag", f.ID, map[string]string{"enabled": fmt.Sprint(!f.Enabled)})
	return redirect(c, pathAdminFlags)
}

// flagOverride sets (value=on|off) or clears (value=default) the flag for one organization.
func (h *adminPages) flagOverride(c fiber.Ctx) error {
	ctx := c.Context()
	key := c.Params("key")
	if _, err := h.db.FeatureFlag.Get(ctx, key); entweb.IsNotFound(err) {
		return errAdminHidden
	} else if err != nil {
		return fmt.Errorf("web: admin flag override: %w", err)
	}
	orgID := strings.TrimSpace(c.FormValue("org_id"))
	if _, err := h.db.Organization.Get(ctx, orgID); err != nil {
		if entweb.IsNotFound(err) {
			return h.flagsPage(c, http.StatusUnprocessableEntity, flagForm{},
				map[string]string{"override-" + key: "No organization has that id."})
		}
		return fmt.Errorf("web: admin flag override: %w", err)
	}
	switch v := c.FormValue("value"); v {
	case "on", "off":
		if err := flags.SetOverride(ctx, h.db, key, orgID, v == "on"); err != nil {
			return err
		}
		h.record(c, audit.AdminFlagOverrideSet, orgID, "feature_flag", key, map[string]string{"enabled": fmt.Sprint(v == "on")})
	case "default":
		if err := flags.ClearOverride(ctx, h.db, key, orgID); err != nil {
			return err
		}
		h.record(c, audit.AdminFlagOverrideCleared, orgID, "feature_flag", key, nil)
	default:
		return h.flagsPage(c, http.StatusUnprocessableEntity, flagForm{},
			map[string]string{"override-" + key: "Choose on, off or default."})
	}
	return redirect(c, pathAdminFlags)
}
