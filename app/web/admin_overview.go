package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/gocraft/work"
	"github.com/gofiber/fiber/v3"
)

// adminStats is the API's answer to GET /v1/internal/service/admin/stats.
type adminStats struct {
	TasksByStatus map[string]int `json:"tasks_by_status"`
	Database      string         `json:"database"`
}

type statusCount struct {
	Status string
	Count  int
}

type overviewPage struct {
	Users, Orgs, Staff, Suspended int
	// Tasks are the API's task counts by status; APIError is set when it did not answer.
	Tasks    []statusCount
	APIError string
	// Health is each dependency's state ("ok" or why not): web DB, Redis, API DB.
	Health []statusPair
	Queues []*work.Queue
	// QueueError is why the queues could not be read.
	QueueError string
}

type statusPair struct{ Name, State string }

func (h *adminPages) overview(c fiber.Ctx) error {
	ctx := c.Context()
	var p overviewPage
	var err error
	if p.Users, err = h.db.User.Query().Count(ctx); err != nil {
		return fmt.Errorf("web: admin overview: %w", err)
	}
	if p.Staff, err = h.db.User.Query().Where(userIsStaff()).Count(ctx); err != nil {
		return fmt.Errorf("web: admin overview: %w", err)
	}
	if p.Orgs, err = h.db.Organization.Query().Count(ctx); err != nil {
		return fmt.Errorf("web: admin overview: %w", err)
	}
	if p.Suspended, err = h.db.Organization.Query().Where(orgIsSuspended()).Count(ctx); err != nil {
		return fmt.Errorf("web: admin overview: %w", err)
	}
	ready := h.probes.Run(ctx)
	for _, name := range []string{"database", "redis"} {
		p.Health = append(p.Health, statusPair{Name: "web " + name, State: ready.Checks[name]})
	}
	stats, err := h.stats(ctx)
	if err != nil {
		p.APIError = "The API did not answer."
		p.Health = append(p.Health, statusPair{Name: "api database", State: "unreachable"})
	} else {
		p.Health = append(p.Health, statusPair{Name: "api database", State: stats.Database})
		for s, n := range stats.TasksByStatus {
			p.Tasks = append(p.Tasks, statusCount{Status: s, Count: n})
		}
		sort.Slice(p.Tasks, func(i, j int) bool { return p.Tasks[i].Status < p.Tasks[j].Status })
	}
	if cl := h.queues(); cl == nil {
		p.QueueError = "No Redis."
	} else if q, err := cl.Queues(); err != nil {
		p.QueueError = "Redis did not answer."
	} else {
		p.Queues = q
	}
	return h.page(c, http.StatusOK, "admin/overview", p)
}

// stats asks the API for its counts.
func (h *adminPages) stats(ctx context.Context) (*adminStats, error) {
	var out adminStats
	if err := h.api.doService(ctx, http.MethodGet, "/v1/internal/service/admin/stats", "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
