package web

import (
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/plan"
)

const (
	pathPricing = "/pricing"
	pagePricing = "pages/pricing"
)

// pricingPage is the public catalogue for one interval.
type pricingPage struct {
	Interval string
	Plans    []planOffer
	SignedIn bool
}

// pricing renders the plans of plan.All for ?interval=month|year: the toggle is two
// links, no script.
func (s *Server) pricing(c fiber.Ctx) error {
	p := pricingPage{Interval: intervalOf(c)}
	if ws := sessionOf(c); ws != nil && ws.str(keyUserID) != "" {
		p.SignedIn = true
	}
	for _, pl := range plan.All() {
		of := offer(pl, p.Interval)
		of.Available = true
		p.Plans = append(p.Plans, of)
	}
	return s.views.page(c, http.StatusOK, pagePricing, p)
}
