// Package schema embeds the Atlas versioned migrations of both databases, one directory
// per set and dialect: web/sqlite, web/postgres, api/sqlite, api/postgres. The files are
// written by `make migrate-diff name=…` from the Ent schemas and never edited once applied.
package schema

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"ariga.io/atlas/sql/migrate"
)

//go:embed web api
var files embed.FS

// Set names.
const (
	Web = "web"
	API = "api"
)

// Dialect names, as used in directory names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Sets lists the migration sets, one per database.
var Sets = []string{Web, API}

// Dialects lists the dialects each set has migrations for.
var Dialects = []string{SQLite, Postgres}

// Normalize maps a dialect name (also Ent's "sqlite3") to its directory name.
func Normalize(dialect string) string {
	if dialect == "sqlite3" {
		return SQLite
	}
	return dialect
}

// Path returns the directory of a set and dialect relative to this package, e.g. "api/sqlite".
func Path(set, dialect string) (string, error) {
	dialect = Normalize(dialect)
	if !slices.Contains(Sets, set) {
		return "", fmt.Errorf("schema: unknown set %q", set)
	}
	if !slices.Contains(Dialects, dialect) {
		return "", fmt.Errorf("schema: unknown dialect %q", dialect)
	}
	return set + "/" + dialect, nil
}

// Dir returns the embedded migration files of a set ("web" or "api") and dialect
// ("sqlite", "sqlite3" or "postgres").
func Dir(set, dialect string) (fs.FS, error) {
	p, err := Path(set, dialect)
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(files, p)
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %w", p, err)
	}
	return sub, nil
}

// AtlasDir returns the embedded migrations of a set and dialect as an Atlas directory.
func AtlasDir(set, dialect string) (migrate.Dir, error) {
	sub, err := Dir(set, dialect)
	if err != nil {
		return nil, err
	}
	return Copy(sub)
}

// Copy reads the .sql files and atlas.sum at the top of fsys into a new in-memory Atlas
// directory, which callers may change without touching fsys.
func Copy(fsys fs.FS) (*migrate.MemDir, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("schema: read dir: %w", err)
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("schema: read %s: %w", e.Name(), err)
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, fmt.Errorf("schema: copy %s: %w", e.Name(), err)
		}
	}
	return dir, nil
}
