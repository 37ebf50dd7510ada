// Package jobs runs the report pipeline on gocraft/work.
//
// SQL is the source of truth: every stage of a task is a row in steps, and a worker
// claims a step with a conditional UPDATE that takes a lease (fencing token plus expiry),
// or, for the next step of a run it is running, inserts the row already claimed (see
// nextClaim).
// Redis only rings the doorbell: a job carries the step id and nothing else, so a lost,
// duplicated or stale job changes nothing, and the reconciler re-dispatches whatever
// Redis dropped.
//
//	fetch → transform ⇉ normalize | enrich | validate (per chunk) → aggregate → save → notify
//
// A task is admitted, its fetch step created, only while its organization runs fewer
// tasks than its limit (OrgLimit); the others wait in SQL and are admitted oldest first
// when one of the organization's runs ends, or by the reconciler. The limit counts tasks,
// not steps: one task's chunk steps still fan out over several workers.
//
// Retries are decided in SQL (per error class, exponential backoff with full jitter);
// gocraft's own retry only covers failures before the claim.
package jobs
