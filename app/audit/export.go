package audit

// Events of organization data exports.
const (
	ExportRequested  = "export.requested"
	ExportDownloaded = "export.downloaded"
)
