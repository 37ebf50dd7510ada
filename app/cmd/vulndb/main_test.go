package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseIgnore(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{
			name: "entries, comments and blanks",
			in:   "# why\n\nGO-2026-6809 fixed in go1.27.3\nGO-2026-6617\tserver side only  \n",
			want: map[string]string{"GO-2026-6809": "fixed in go1.27.3", "GO-2026-6617": "server side only"},
		},
		{name: "no reason", in: "GO-2026-6809\n", wantErr: "line 1"},
		{name: "bad id", in: "# x\nCVE-2026-1 reason\n", wantErr: "line 2"},
		{name: "twice", in: "GO-2026-6809 a\nGO-2026-6809 b\n", wantErr: "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIgnore(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for id, reason := range tt.want {
				if got[id] != reason {
					t.Errorf("%s: reason %q, want %q", id, got[id], reason)
				}
			}
		})
	}
}

func TestParseDownload(t *testing.T) {
	info := filepath.Join(t.TempDir(), "v1.info")
	if err := os.WriteFile(info, []byte(`{"Version":"v0.0.0-x","Time":"2026-11-05T23:49:57Z"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := parseDownload([]byte(`{"Path":"golang.org/x/vulndb","Dir":"/m/vulndb","Sum":"h1:abc=","Info":"` + info + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := moduleInfo{Dir: "/m/vulndb", Sum: "h1:abc=", Time: time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}

	for _, bad := range []string{``, `{"Error":"unknown revision"}`, `{"Sum":"h1:abc="}`} {
		if _, err := parseDownload([]byte(bad)); err == nil {
			t.Errorf("parseDownload(%q): want an error", bad)
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-out", t.TempDir()},
		{"-module", "golang.org/x/vulndb@v1.0.0"},
		{"-module", "-x@v1", "-out", t.TempDir()},
	} {
		if err := run(t.Context(), args, os.Stderr); err == nil {
			t.Errorf("run(%q): want an error", args)
		}
	}
}
