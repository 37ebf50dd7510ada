package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/assayhq/assay/app/plan"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/predicate"
)

// Plan pushes keep the API's tenant rows on each organization's plan and suspension, so
// API-key clients are held to them too (the web app's own tokens carry the plan anyway).
// organization.plan_pushed is the version the API last acknowledged; a sweep pushes
// every organization whose version differs, and planChanged pushes one at once, so a
// push that failed (the API was down) is retried within a minute.
const (
	planSweepEvery = time.Minute
	planSweepBatch = 100
)

// planVersion names a plan, its limits and whether staff suspended the organization: a
// change to any needs a push.
func planVersion(p plan.Plan, suspended bool) string {
	b, _ := json.Marshal(p.Limits) // a struct of integers: never fails
	sum := sha256.Sum256(b)
	v := p.ID + ":" + hex.EncodeToString(sum[:8])
	if suspended {
		v += ":suspended"
	}
	return v
}

// planSync pushes plans to the API.
type planSync struct {
	db  *entweb.Client
	api *apiClient
	log *slog.Logger
}

// planPushBody is the body of PUT /v1/internal/service/tenants/{org_id}/plan.
// PlanAt is when the plan was read (auth.Claims.PlanAt): the API keeps the newest plan.
type planPushBody struct {
	Plan   string      `json:"plan"`
	Limits plan.Limits `json:"limits"`
	PlanAt int64       `json:"plan_at,omitempty"`
}

// push sends org's plan to the API unless the API has it already, and records the
// version pushed; an organization whose plan changed meanwhile stays due.
func (s planSync) push(ctx context.Context, orgID string) error {
	o, err := s.db.Organization.Get(ctx, orgID)
	if entweb.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("plans: load organization: %w", err)
	}
	p := plan.Or(o.Plan)
	suspended := o.SuspendedAt != nil
	v := planVersion(p, suspended)
	if o.PlanPushed == v {
		return nil
	}
	b, err := json.Marshal(planPushBody{Plan: p.ID, Limits: p.Limits, PlanAt: o.UpdatedAt.UnixMicro()})
	if err != nil {
		return fmt.Errorf("plans: encode: %w", err)
	}
	err = s.api.doService(ctx, http.MethodPut, "/v1/internal/service/tenants/"+o.ID+"/plan",
		"application/json", strings.NewReader(string(b)), nil)
	if err != nil {
		return fmt.Errorf("plans: push %s: %w", o.ID, err)
	}
	if err := s.api.pushSuspension(ctx, o.ID, suspended); err != nil {
		return err
	}
	// Recorded only if neither the plan nor the suspension changed meanwhile.
	still := organization.SuspendedAtIsNil()
	if suspended {
		still = organization.SuspendedAtNotNil()
	}
	err = s.db.Organization.Update().Where(organization.ID(o.ID), organization.Plan(o.Plan), still).
		SetPlanPushed(v).Exec(ctx)
	if err != nil {
		return fmt.Errorf("plans: record push: %w", err)
	}
	return nil
}

// sweep pushes up to planSweepBatch organizations whose pushed version is not their
// current one, and returns how many it pushed.
func (s planSync) sweep(ctx context.Context) (int, error) {
	var ids []string
	var known []string
	for _, p := range plan.All() {
		known = append(known, p.ID)
	}
	// Each plan (unknown plan ids are held to Free) in each suspension state.
	type group struct {
		plan  predicate.Organization
		limit plan.Plan
	}
	groups := []group{{organization.PlanNotIn(known...), plan.Or("")}}
	for _, p := range plan.All() {
		groups = append(groups, group{organization.Plan(p.ID), p})
	}
	for _, g := range groups {
		for _, suspended := range []bool{false, true} {
			state := organization.SuspendedAtIsNil()
			if suspended {
				state = organization.SuspendedAtNotNil()
			}
			got, err := s.db.Organization.Query().
				Where(g.plan, state, organization.PlanPushedNEQ(planVersion(g.limit, suspended))).
				Limit(planSweepBatch - len(ids)).IDs(ctx)
			if err != nil {
				return 0, fmt.Errorf("plans: sweep: %w", err)
			}
			if ids = append(ids, got...); len(ids) >= planSweepBatch {
				break
			}
		}
		if len(ids) >= planSweepBatch {
			break
		}
	}
	n := 0
	for _, id := range ids {
		if err := s.push(ctx, id); err != nil {
			return n, err // the API is likely down: the next sweep tries again
		}
		n++
	}
	return n, nil
}

// loop sweeps every planSweepEvery until stop closes.
func (s planSync) loop(stop <-chan struct{}) {
	t := time.NewTicker(planSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if _, err := s.sweep(ctx); err != nil {
				s.log.Warn("plans: sweep failed; retrying later", slog.Any("error", err))
			}
			cancel()
		}
	}
}

// planChanged pushes an organization's plan to the API at once (billing calls it after
// changing organization.plan). A failure is logged: the sweep pushes it later.
func (s *Server) planChanged(ctx context.Context, orgID string) {
	if err := s.plans.push(ctx, orgID); err != nil {
		s.log.WarnContext(ctx, "plans: push failed; the sweep will retry", slog.String("org_id", orgID), slog.Any("error", err))
	}
}
