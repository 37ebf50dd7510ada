package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"text/template"

	"ariga.io/atlas/sql/migrate"
	entschema "entgo.io/ent/dialect/sql/schema"

	"github.com/assayhq/assay/app/platform"
	apimigrate "github.com/assayhq/assay/ent/api/migrate"
	webmigrate "github.com/assayhq/assay/ent/web/migrate"
	"github.com/assayhq/assay/schema"
)

// Ent's differ annotates the generated Tables, which are package variables; one diff at a time.
var diffMu sync.Mutex

// Tables returns the Ent tables of a set: the desired state of its database.
func Tables(set string) ([]*entschema.Table, error) {
	switch set {
	case schema.Web:
		return webmigrate.Tables, nil
	case schema.API:
		return apimigrate.Tables, nil
	}
	return nil, fmt.Errorf("store: unknown set %q", set)
}

// Diff replays dir on the empty dev database and, when the Ent schema of set differs
// from the result, writes one new migration file <version>_<name>.sql into dir and updates
// its atlas.sum. It reports whether it wrote a file. An empty version means now
// (migrate.NewVersion); one run passes the same version to every directory. Dropped
// columns and indexes are part of the diff, so the directory converges on the Ent schema.
func Diff(ctx context.Context, dev *platform.DB, dir migrate.Dir, set, version, name string) (bool, error) {
	tables, err := Tables(set)
	if err != nil {
		return false, err
	}
	format, err := formatter(version)
	if err != nil {
		return false, fmt.Errorf("store: diff %s: %w", set, err)
	}
	m, err := entschema.NewMigrate(dev.Driver(),
		entschema.WithDir(dir),
		entschema.WithMigrationMode(entschema.ModeReplay),
		entschema.WithDialect(dev.Dialect),
		entschema.WithFormatter(format),
		entschema.WithDropColumn(true),
		entschema.WithDropIndex(true),
		entschema.WithErrNoPlan(true),
	)
	if err != nil {
		return false, fmt.Errorf("store: diff %s: %w", set, err)
	}
	diffMu.Lock()
	defer diffMu.Unlock()
	switch err := m.NamedDiff(ctx, name, tables...); {
	case errors.Is(err, migrate.ErrNoPlan):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: diff %s: %w", set, err)
	}
	return true, nil
}

// formatter is Atlas's default formatter with a fixed version in the file name.
func formatter(version string) (migrate.Formatter, error) {
	if version == "" {
		return migrate.DefaultFormatter, nil
	}
	if err := migrate.CheckVersion(version); err != nil {
		return nil, err
	}
	name, err := template.New("").Parse(version + "{{ with .Name }}_{{ . }}{{ end }}.sql")
	if err != nil {
		return nil, err
	}
	return migrate.TemplateFormatter{{N: name, C: migrate.DefaultFormatter[0].C}}, nil
}
