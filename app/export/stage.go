package export

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ManifestName is the manifest's path in the zip.
const ManifestName = "manifest.json"

// Manifest describes an export: every other file of the zip with its size, SHA-256
// and, for entity files, its row count.
type Manifest struct {
	Format    int            `json:"format"`
	ExportID  string         `json:"export_id"`
	OrgID     string         `json:"org_id"`
	CreatedAt time.Time      `json:"created_at"`
	Files     []ManifestFile `json:"files"`
}

// ManifestFile is one file of an export.
type ManifestFile struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Rows   *int64 `json:"rows,omitempty"`
}

// stage collects an export's files in a temporary directory, so no table or file is
// held in memory, before they go into the zip.
type stage struct {
	dir   string
	paths []string
	rows  map[string]int64
}

func newStage() (*stage, error) {
	dir, err := os.MkdirTemp("", "assay-export-*")
	if err != nil {
		return nil, fmt.Errorf("export: stage: %w", err)
	}
	return &stage{dir: dir, rows: map[string]int64{}}, nil
}

func (s *stage) close() { os.RemoveAll(s.dir) }

// create makes the staged file p (a slash path inside the zip).
func (s *stage) create(p string) (*os.File, error) {
	if p == "" || path.Clean(p) != p || strings.HasPrefix(p, "/") || strings.Contains(p, "..") || p == ManifestName {
		return nil, fmt.Errorf("export: bad file path %q", p)
	}
	if slices.Contains(s.paths, p) {
		return nil, fmt.Errorf("export: duplicate file %q", p)
	}
	full := filepath.Join(s.dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return nil, fmt.Errorf("export: stage: %w", err)
	}
	f, err := os.Create(full) // #nosec G304 -- p is checked above to stay inside the stage directory
	if err != nil {
		return nil, fmt.Errorf("export: stage: %w", err)
	}
	s.paths = append(s.paths, p)
	return f, nil
}

// entityFile writes one entity's rows as a JSON array, then the same rows as CSV.
type entityFile struct {
	s    *stage
	name string // the path without extension: "web/members"
	f    *os.File
	w    *bufio.Writer
	n    int64
	keys map[string]bool
}

func (s *stage) entity(name string) (*entityFile, error) {
	f, err := s.create(name + ".json")
	if err != nil {
		return nil, err
	}
	e := &entityFile{s: s, name: name, f: f, w: bufio.NewWriter(f), keys: map[string]bool{}}
	_, err = e.w.WriteString("[")
	return e, err
}

// add appends one row (a JSON object).
func (e *entityFile) add(row json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(row, &m); err != nil {
		return fmt.Errorf("export: %s: row: %w", e.name, err)
	}
	for k := range m {
		e.keys[k] = true
	}
	sep := "\n"
	if e.n > 0 {
		sep = ",\n"
	}
	if _, err := e.w.WriteString(sep); err != nil {
		return err
	}
	if _, err := e.w.Write(row); err != nil {
		return err
	}
	e.n++
	return nil
}

// addValue appends v marshalled as a JSON object.
func (e *entityFile) addValue(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("export: %s: %w", e.name, err)
	}
	return e.add(b)
}

// finish closes the JSON file and writes the CSV from it: one column per field seen
// in any row, sorted, the id first.
func (e *entityFile) finish() error {
	if _, err := e.w.WriteString("\n]\n"); err != nil {
		return err
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	if err := e.f.Close(); err != nil {
		return err
	}
	e.s.rows[e.name+".json"] = e.n
	e.s.rows[e.name+".csv"] = e.n
	cols := make([]string, 0, len(e.keys))
	for k := range e.keys {
		cols = append(cols, k)
	}
	slices.SortFunc(cols, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "id":
			return -1
		case b == "id":
			return 1
		}
		return strings.Compare(a, b)
	})
	out, err := e.s.create(e.name + ".csv")
	if err != nil {
		return err
	}
	defer out.Close()
	in, err := os.Open(e.f.Name())
	if err != nil {
		return fmt.Errorf("export: %s: %w", e.name, err)
	}
	defer in.Close()
	if err := jsonToCSV(out, in, cols); err != nil {
		return fmt.Errorf("export: %s csv: %w", e.name, err)
	}
	return out.Close()
}

// jsonToCSV streams a JSON array of objects into CSV with columns cols.
func jsonToCSV(w io.Writer, r io.Reader, cols []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReader(r))
	if _, err := dec.Token(); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for dec.More() {
		var m map[string]json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return err
		}
		for i, c := range cols {
			rec[i] = guardCell(cellText(m[c]))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cellText is a JSON value as a CSV cell: strings without quotes, null empty, anything
// else as its JSON text.
func cellText(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

// guardCell defuses spreadsheet formula injection: a cell that a spreadsheet would run
// as a formula gets a leading apostrophe.
func guardCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// writeZip writes every staged file, then the manifest, to w.
func (s *stage) writeZip(w io.Writer, m Manifest) error {
	zw := zip.NewWriter(w)
	paths := slices.Clone(s.paths)
	slices.Sort(paths)
	for _, p := range paths {
		f, err := os.Open(filepath.Join(s.dir, filepath.FromSlash(p))) // #nosec G304 -- a staged path, checked by create
		if err != nil {
			return fmt.Errorf("export: zip: %w", err)
		}
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: p, Method: zip.Deflate, Modified: m.CreatedAt})
		if err != nil {
			f.Close()
			return fmt.Errorf("export: zip: %w", err)
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(zf, h), f)
		f.Close()
		if err != nil {
			return fmt.Errorf("export: zip %s: %w", p, err)
		}
		mf := ManifestFile{Path: p, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		if rows, ok := s.rows[p]; ok {
			mf.Rows = &rows
		}
		m.Files = append(m.Files, mf)
	}
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: m.CreatedAt})
	if err != nil {
		return fmt.Errorf("export: zip: %w", err)
	}
	enc := json.NewEncoder(zf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("export: manifest: %w", err)
	}
	return zw.Close()
}
