package web

import (
	"math"

	"github.com/assayhq/assay/app/events"
	entweb "github.com/assayhq/assay/ent/web"
)

// stageNames are the pipeline's stages in the order they run.
var stageNames = []string{"fetch", "transform", "normalize", "enrich", "validate", "aggregate", "save", "notify"}

// liveView is a task's state as the task page and its live events show it.
type liveView struct {
	TaskID   string
	Status   string
	Stage    string
	Progress float64
	Score    *float64
	Error    string
	Stages   []stageView
}

// Running reports whether the task may still change.
func (l liveView) Running() bool { return !terminalStatus(l.Status) }

// Percent is the overall progress in whole percent.
func (l liveView) Percent() int {
	p := l.Progress
	if l.Status == "completed" {
		p = 1
	}
	return int(math.Round(math.Max(0, math.Min(1, p)) * 100))
}

// stageView is one row of the stage table.
type stageView struct {
	Name   string
	Status string
	Done   int
	Total  int
}

// Known reports whether the progress bar has a value (else it is indeterminate).
func (s stageView) Known() bool { return s.Total > 0 || s.Status != "running" }

// Max is the progress bar's maximum.
func (s stageView) Max() int { return max(s.Total, 1) }

// Value is the progress bar's value.
func (s stageView) Value() int {
	switch {
	case s.Total > 0:
		return min(s.Done, s.Total)
	case s.Status == "succeeded":
		return 1
	}
	return 0
}

// liveFromRow is what the web database knows (kept current by webhooks).
func liveFromRow(t *entweb.Task) liveView {
	return withStages(liveView{
		TaskID: t.ID, Status: t.Status, Stage: t.Stage, Score: t.Score, Error: t.Error,
	}, nil)
}

// liveFromAPI is the API's current state of the task.
func liveFromAPI(t *apiTask) liveView {
	return withStages(liveView{
		TaskID: t.ID, Status: t.Status, Stage: t.Stage, Progress: t.Progress, Score: t.Score, Error: t.Error,
	}, t.Stages)
}

// liveFromEvent applies a live event to the previous state.
func liveFromEvent(prev liveView, e events.Event) liveView {
	l := liveView{
		TaskID: prev.TaskID, Status: orDefault(e.Status, prev.Status), Stage: orDefault(e.Stage, prev.Stage),
		Progress: e.Progress, Score: e.Score, Error: e.Error,
	}
	if l.Score == nil {
		l.Score = prev.Score
	}
	switch e.Type {
	case "completed", "failed", "cancelled":
		l.Status = e.Type
	}
	if len(e.Stages) == 0 {
		l.Stages = prev.Stages
		return l
	}
	stages := make([]apiStage, len(e.Stages))
	for i, s := range e.Stages {
		stages[i] = apiStage{Name: s.Name, Status: s.Status, Done: s.Done, Total: s.Total}
	}
	return withStages(l, stages)
}

// withStages fills in one row per pipeline stage, in order, from what is reported.
func withStages(l liveView, reported []apiStage) liveView {
	byName := make(map[string]apiStage, len(reported))
	for _, s := range reported {
		byName[s.Name] = s
	}
	l.Stages = make([]stageView, 0, len(stageNames))
	for _, name := range stageNames {
		s, ok := byName[name]
		status := s.Status
		if !ok || status == "" {
			status = defaultStageStatus(l.Status)
		}
		l.Stages = append(l.Stages, stageView{Name: name, Status: status, Done: s.Done, Total: s.Total})
	}
	return l
}

func defaultStageStatus(taskStatus string) string {
	switch taskStatus {
	case "completed":
		return "succeeded"
	case "failed", "cancelled":
		return "—"
	}
	return "pending"
}
