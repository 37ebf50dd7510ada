package plan

import "testing"

func TestCatalogue(t *testing.T) {
	all := All()
	if len(all) != 3 || all[0].ID != Free || all[1].ID != Pro || all[2].ID != Business {
		t.Fatalf("catalogue order = %v", all)
	}
	for i, p := range all {
		l := p.Limits
		for name, v := range map[string]int64{"upload": l.MaxUploadBytes, "rows": l.MaxRows, "tasks": l.TasksPerMonth,
			"members": l.Members, "rate": l.APIRatePerMinute, "retention": l.RetentionDays} {
			if v <= 0 {
				t.Errorf("%s: %s limit %d is not positive", p.ID, name, v)
			}
		}
		if i > 0 {
			prev := all[i-1].Limits
			if l.MaxUploadBytes < prev.MaxUploadBytes || l.TasksPerMonth < prev.TasksPerMonth || l.Members < prev.Members {
				t.Errorf("%s gives less than %s", p.ID, all[i-1].ID)
			}
		}
		if p.Paid() != (p.ID != Free) {
			t.Errorf("%s: Paid() = %v", p.ID, p.Paid())
		}
	}
	all[0].Features[0] = "changed"
	if All()[0].Features[0] == "changed" {
		t.Error("All returned the catalogue itself, not a copy")
	}
	if Or("nope").ID != Free || Or(Pro).ID != Pro {
		t.Error("Or does not fall back to Free")
	}
}
