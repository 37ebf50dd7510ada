package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// pushSuspension tells the API whether staff suspended orgID, so its API keys and tokens
// are refused there too and its waiting tasks do not start. The plan push sends it with
// the plan (plansync.go); the API's endpoint is idempotent.
func (a *apiClient) pushSuspension(ctx context.Context, orgID string, suspended bool) error {
	body := `{"suspended":` + strconv.FormatBool(suspended) + `}`
	err := a.doService(ctx, http.MethodPut, "/v1/internal/service/tenants/"+orgID+"/suspension",
		"application/json", strings.NewReader(body), nil)
	if err != nil {
		return fmt.Errorf("web: push suspension of %s: %w", orgID, err)
	}
	return nil
}
