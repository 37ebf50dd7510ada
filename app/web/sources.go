package web

import (
	"strings"

	"github.com/gofiber/fiber/v3"
)

// fromURL has the API record a dataset at form.SourceURL and starts a run over it; the
// run's fetch stage downloads it.
func (h uploads) fromURL(c fiber.Ctx, lr *limitedReader, form uploadForm) error {
	rules, ok := parseRules(&form)
	if !ok {
		return h.reject(c, lr, form)
	}
	ds, err := h.api.createURLDataset(c.Context(), memberOf(c), strings.TrimSpace(form.Name), strings.TrimSpace(form.SourceURL))
	if err != nil {
		return h.apiFailed(c, lr, form, err)
	}
	return h.start(c, lr, form, ds, ds.Name, rules)
}
