package export

import (
	"encoding/json"
	"strings"
)

// StreamContentType is the media type of the API's tenant export stream.
const StreamContentType = "application/x-ndjson"

// Kinds of the lines of the API's tenant export stream. The stream is newline-delimited
// JSON: rows of each entity, then each uploaded file as a "file" line followed by its
// bytes in "chunk" lines and a closing "file_end", then "end" with the counts. A stream
// without its "end" line was cut short and is not used.
const (
	LineRow     = "row"
	LineFile    = "file"
	LineChunk   = "chunk"
	LineFileEnd = "file_end"
	LineEnd     = "end"
	LineError   = "error"
)

// ChunkSize is how many bytes of a file one chunk line carries.
const ChunkSize = 64 << 10

// Line is one line of the tenant export stream.
type Line struct {
	Type   string          `json:"type"`
	Entity string          `json:"entity,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
	// Path names a file inside the export ("files/<dataset id>/<name>").
	Path   string           `json:"path,omitempty"`
	Chunk  []byte           `json:"chunk,omitempty"`
	Size   int64            `json:"size,omitempty"`
	SHA256 string           `json:"sha256,omitempty"`
	Counts map[string]int64 `json:"counts,omitempty"`
	Error  string           `json:"error,omitempty"`
}

// secretMarkers are parts of column names that hold credentials or their hashes. Rows
// are exported without such columns even when the schema does not mark them sensitive,
// so a credential column added later stays out of exports.
var secretMarkers = []string{"password", "secret", "token", "hash", "salt", "sealed", "mfa"}

// IsSecretField reports whether a column named name is left out of exports.
func IsSecretField(name string) bool {
	n := strings.ToLower(name)
	for _, m := range secretMarkers {
		if strings.Contains(n, m) {
			return true
		}
	}
	return false
}

// Redact turns an Ent entity into the JSON object an export holds: its fields, without
// edges and without the columns IsSecretField names (sensitive fields are already absent
// from the entity's JSON).
func Redact(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "edges")
	for k := range m {
		if IsSecretField(k) {
			delete(m, k)
		}
	}
	return json.Marshal(m)
}
