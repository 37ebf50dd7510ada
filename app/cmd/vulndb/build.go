package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// validID is the shape of a Go vulnerability ID; it is also what makes an ID safe to use
// as a file name.
var validID = regexp.MustCompile(`^GO-\d{4}-\d{4,}$`)

// entry is the part of an OSV record the index needs; the record itself is copied as is.
type entry struct {
	ID       string     `json:"id"`
	Modified time.Time  `json:"modified"`
	Affected []affected `json:"affected"`
}

type affected struct {
	Package struct {
		Name string `json:"name"`
	} `json:"package"`
	Ranges []osvRange `json:"ranges"`
}

type osvRange struct {
	Type   string  `json:"type"`
	Events []event `json:"events"`
}

type event struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// dbMeta is index/db.json.
type dbMeta struct {
	Modified time.Time `json:"modified"`
}

// moduleMeta is one element of index/modules.json.
type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

// Stats says what Build wrote.
type Stats struct {
	Entries int
	Modules int
	Ignored []string
}

// Build reads the OSV records <ID>.json at the root of src and writes the database layout
// govulncheck reads from a file:// URL into out (which must be empty or absent):
// index/db.json, index/modules.json and ID/<ID>.json. Records whose ID is a key of ignore
// are left out; every key must name a record in src. A record without a modification
// time (the module copy leaves them unset) counts as modified at fallback.
func Build(src fs.FS, out string, fallback time.Time, ignore map[string]string) (Stats, error) {
	var st Stats
	if err := emptyDir(out); err != nil {
		return st, err
	}
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o750); err != nil {
		return st, fmt.Errorf("build: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o750); err != nil {
		return st, fmt.Errorf("build: %w", err)
	}
	names, err := fs.Glob(src, "*.json")
	if err != nil {
		return st, fmt.Errorf("build: %w", err)
	}
	db := dbMeta{Modified: fallback.UTC()}
	modules := map[string]*moduleMeta{}
	seen := map[string]bool{}
	for _, name := range names {
		raw, err := fs.ReadFile(src, name)
		if err != nil {
			return st, fmt.Errorf("build: %w", err)
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return st, fmt.Errorf("build: %s: %w", name, err)
		}
		if !validID.MatchString(e.ID) || name != e.ID+".json" {
			return st, fmt.Errorf("build: %s: holds id %q: want <GO-ID>.json", name, e.ID)
		}
		seen[e.ID] = true
		if _, skip := ignore[e.ID]; skip {
			st.Ignored = append(st.Ignored, e.ID)
			continue
		}
		modified := e.Modified.UTC()
		if modified.IsZero() {
			modified = db.Modified
		}
		if modified.After(db.Modified) {
			db.Modified = modified
		}
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &moduleMeta{Path: a.Package.Name, Vulns: []moduleVuln{}}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: modified, Fixed: latestFix(a.Ranges)})
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), raw, 0o600); err != nil {
			return st, fmt.Errorf("build: %w", err)
		}
		st.Entries++
	}
	for id := range ignore {
		if !seen[id] {
			return st, fmt.Errorf("build: ignored %s is not in the database", id)
		}
	}
	if st.Entries == 0 {
		return st, errors.New("build: no OSV records found")
	}
	list := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		slices.SortStableFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		list = append(list, m)
	}
	slices.SortFunc(list, func(a, b *moduleMeta) int { return strings.Compare(a.Path, b.Path) })
	st.Modules = len(list)
	if err := writeJSON(filepath.Join(out, "index", "db.json"), db); err != nil {
		return st, err
	}
	return st, writeJSON(filepath.Join(out, "index", "modules.json"), list)
}

// latestFix is the newest fixed version of the SEMVER ranges, or "" when the
// vulnerability is introduced again after it (the rule govulncheck's own index uses).
func latestFix(ranges []osvRange) string {
	var fixed string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && less(fixed, e.Fixed) {
				fixed = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && less(fixed, e.Introduced) {
				fixed = ""
				break
			}
		}
	}
	return fixed
}

// less compares OSV versions, which carry no "v" prefix ("" sorts first).
func less(a, b string) bool {
	return semver.Compare(canonical(a), canonical(b)) < 0
}

func canonical(v string) string {
	return "v" + strings.TrimPrefix(strings.TrimPrefix(v, "v"), "go")
}

func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("build: %s is not empty", dir)
	}
	return nil
}

func writeJSON(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("build: %s: %w", path.Base(name), err)
	}
	if err := os.WriteFile(name, b, 0o600); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	return nil
}
