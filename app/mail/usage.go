package mail

// TemplateUsageThreshold tells owners that the organization used 80 or 100 percent of a
// plan limit this month; Data.Reason says which and how much, Data.Plan names the plan,
// Data.Date the end of the period, Data.Link the pricing page.
const TemplateUsageThreshold = "usage_threshold"
