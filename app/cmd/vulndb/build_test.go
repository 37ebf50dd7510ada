package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// fixture is a tiny OSV database: a module fixed in one version, a module fixed, then
// vulnerable again (no usable fix), the standard library with two fixed branches, and one
// record that is ignored.
func fixture() fstest.MapFS {
	return fstest.MapFS{
		"GO-2024-0001.json": {Data: []byte(`{"id":"GO-2024-0001","modified":"2024-03-01T10:00:00Z",
			"affected":[{"package":{"name":"example.com/a","ecosystem":"Go"},
			"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}]}`)},
		"GO-2024-0002.json": {Data: []byte(`{"id":"GO-2024-0002","modified":"0001-01-01T00:00:00Z",
			"affected":[{"package":{"name":"example.com/a","ecosystem":"Go"},
			"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"introduced":"1.1.0"}]}]},
			{"package":{"name":"example.com/b","ecosystem":"Go"},
			"ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-20200101000000-abcdefabcdef"}]}]}]}`)},
		"GO-2025-0003.json": {Data: []byte(`{"id":"GO-2025-0003","modified":"0001-01-01T00:00:00Z",
			"affected":[{"package":{"name":"stdlib","ecosystem":"Go"},
			"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.26.9"},{"introduced":"1.27.0-0"},{"fixed":"1.27.2"}]}]}]}`)},
		"GO-2025-0004.json": {Data: []byte(`{"id":"GO-2025-0004","modified":"2025-06-01T00:00:00Z",
			"affected":[{"package":{"name":"example.com/c","ecosystem":"Go"},
			"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}`)},
		"README.md": {Data: []byte("not a record")},
	}
}

func TestBuildWritesIndexAndEntries(t *testing.T) {
	out := filepath.Join(t.TempDir(), "db")
	published := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	st, err := Build(fixture(), out, published, map[string]string{"GO-2025-0004": "test"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 3 || st.Modules != 3 || strings.Join(st.Ignored, ",") != "GO-2025-0004" {
		t.Fatalf("stats = %+v, want 3 entries, 3 modules, GO-2025-0004 ignored", st)
	}
	tests := []struct {
		file string
		want string
	}{
		{"index/db.json", `{"modified":"2026-11-05T23:49:57Z"}`},
		{"index/modules.json", `[` +
			`{"path":"example.com/a","vulns":[` +
			`{"id":"GO-2024-0001","modified":"2024-03-01T10:00:00Z","fixed":"1.2.3"},` +
			`{"id":"GO-2024-0002","modified":"2026-11-05T23:49:57Z"}]},` +
			`{"path":"example.com/b","vulns":[{"id":"GO-2024-0002","modified":"2026-11-05T23:49:57Z"}]},` +
			`{"path":"stdlib","vulns":[{"id":"GO-2025-0003","modified":"2026-11-05T23:49:57Z","fixed":"1.27.2"}]}]`},
		{"ID/GO-2024-0001.json", string(fixture()["GO-2024-0001.json"].Data)},
		{"ID/GO-2025-0003.json", string(fixture()["GO-2025-0003.json"].Data)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(out, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("%s =\n%s\nwant\n%s", tt.file, got, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, "ID", "GO-2025-0004.json")); !os.IsNotExist(err) {
		t.Errorf("ignored record written: stat err = %v", err)
	}
}

func TestBuildNewerRecordMovesDBModified(t *testing.T) {
	out := t.TempDir()
	published := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Build(fixture(), out, published, nil); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "index", "db.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"modified":"2025-06-01T00:00:00Z"}`; string(got) != want {
		t.Errorf("db.json = %s, want %s", got, want)
	}
}

func TestBuildRejects(t *testing.T) {
	published := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		src      fstest.MapFS
		ignore   map[string]string
		nonEmpty bool
		want     string
	}{
		{name: "file name differs from id", src: fstest.MapFS{"GO-2024-0009.json": {Data: []byte(`{"id":"GO-2024-0001"}`)}}, want: "want <GO-ID>.json"},
		{name: "id is a path", src: fstest.MapFS{"x.json": {Data: []byte(`{"id":"../x"}`)}}, want: "want <GO-ID>.json"},
		{name: "not json", src: fstest.MapFS{"GO-2024-0001.json": {Data: []byte(`{`)}}, want: "GO-2024-0001.json"},
		{name: "empty", src: fstest.MapFS{}, want: "no OSV records"},
		{name: "unknown ignore", src: fixture(), ignore: map[string]string{"GO-2099-9999": "gone"}, want: "GO-2099-9999 is not in the database"},
		{name: "output not empty", src: fixture(), nonEmpty: true, want: "is not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			if tt.nonEmpty {
				if err := os.WriteFile(filepath.Join(out, "stale"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Build(tt.src, out, published, tt.ignore)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLatestFix(t *testing.T) {
	tests := []struct {
		name   string
		ranges []osvRange
		want   string
	}{
		{"one fix", []osvRange{{Type: "SEMVER", Events: []event{{Introduced: "0"}, {Fixed: "1.2.3"}}}}, "1.2.3"},
		{"newest branch fix", []osvRange{{Type: "SEMVER", Events: []event{{Introduced: "0"}, {Fixed: "1.26.10"}, {Introduced: "1.27.0-0"}, {Fixed: "1.27.3"}}}}, "1.27.3"},
		{"semver not string order", []osvRange{{Type: "SEMVER", Events: []event{{Fixed: "1.10.0"}, {Fixed: "1.9.0"}}}}, "1.10.0"},
		{"reintroduced", []osvRange{{Type: "SEMVER", Events: []event{{Introduced: "0"}, {Fixed: "1.0.0"}, {Introduced: "1.1.0"}}}}, ""},
		{"no fix", []osvRange{{Type: "SEMVER", Events: []event{{Introduced: "0"}}}}, ""},
		{"other range types ignored", []osvRange{{Type: "GIT", Events: []event{{Fixed: "abc"}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := latestFix(tt.ranges); got != tt.want {
				t.Errorf("latestFix = %q, want %q", got, tt.want)
			}
		})
	}
}
