package infra

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stage is one FROM … section of a Dockerfile: its base, name and instructions.
type stage struct {
	base, name string
	args       map[string]string // ARG defaults
	lines      []string          // instructions, continuation lines joined
}

// parseDockerfile splits a Dockerfile into stages; comments and blank lines are dropped.
func parseDockerfile(t *testing.T, path string) []*stage {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var stages []*stage
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		cur += line
		fields := strings.Fields(cur)
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			s := &stage{base: fields[1], args: map[string]string{}}
			if len(fields) == 4 && strings.EqualFold(fields[2], "AS") {
				s.name = fields[3]
			}
			stages = append(stages, s)
		case "ARG":
			require.NotEmpty(t, stages, "ARG before FROM is not used here")
			name, def, _ := strings.Cut(fields[1], "=")
			stages[len(stages)-1].args[name] = def
		}
		if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, cur)
		}
		cur = ""
	}
	require.NoError(t, sc.Err())
	return stages
}

// instruction returns the instructions of s with the given keyword, without it.
func (s *stage) instruction(keyword string) []string {
	var out []string
	for _, l := range s.lines {
		if k, rest, _ := strings.Cut(l, " "); strings.EqualFold(k, keyword) {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// The runtime stage is distroless static (CA certificates, no shell), runs as a non-root
// user, checks its health with the binary itself, and takes the role as its command.
func TestDockerfileRuntimeStage(t *testing.T) {
	stages := parseDockerfile(t, "Dockerfile")
	require.Len(t, stages, 2, "a build stage and a runtime stage")
	run := stages[1]
	require.True(t, strings.HasPrefix(run.base, "gcr.io/distroless/static"), "runtime base %s", run.base)
	require.Contains(t, run.instruction("COPY"), "--from=build /out/assay /assay")
	users := run.instruction("USER")
	require.NotEmpty(t, users)
	require.NotContains(t, []string{"root", "0", "root:root", "0:0"}, users[len(users)-1])
	hc := run.instruction("HEALTHCHECK")
	require.Len(t, hc, 1)
	require.Contains(t, hc[0], `CMD ["/assay", "healthcheck", "web"]`)
	require.Equal(t, []string{`["/assay"]`}, run.instruction("ENTRYPOINT"))
	require.Equal(t, []string{`["web"]`}, run.instruction("CMD"))
}

// The build stage's own `go build` command, run here with its flags and environment,
// produces a static binary that carries the version passed as a build argument.
func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole binary")
	}
	stages := parseDockerfile(t, "Dockerfile")
	require.Equal(t, "build", stages[0].name)
	build := stages[0]
	var cmdline string
	for _, r := range build.instruction("RUN") {
		if strings.Contains(r, "go build") {
			cmdline = r
		}
	}
	require.NotEmpty(t, cmdline, "no go build in the build stage")
	args := build.args
	args["VERSION"] = "infra-test"
	words := shellWords(t, os.Expand(cmdline, func(name string) string {
		v, ok := args[name]
		require.True(t, ok, "the build command uses $%s, which is no ARG of the build stage", name)
		return v
	}))

	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env, words = append(env, words[0]), words[1:]
	}
	require.Contains(t, env, "CGO_ENABLED=0")
	require.GreaterOrEqual(t, len(words), 2)
	require.Equal(t, []string{"go", "build"}, words[:2])
	out := filepath.Join(t.TempDir(), "assay")
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			words[i+1] = out
		}
	}
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	cmd := exec.Command(goBin, words[1:]...)
	cmd.Dir = ".." // the Dockerfile builds from the repository root (COPY . .)
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)

	f, err := elf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "the binary asks for a dynamic loader")
	}
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs, "the binary needs shared libraries")

	version, err := exec.Command(out, "version").CombinedOutput()
	require.NoError(t, err, "%s", version)
	require.Equal(t, "assay infra-test\n", string(version))
}

// shellWords splits a command line as a POSIX shell would for the simple quoting a
// Dockerfile RUN uses: single and double quotes, backslash escapes, no expansions.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	runes := []rune(s)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == '\'':
			cur.WriteRune(r)
		case r == '\\' && i+1 < len(runes):
			i++
			cur.WriteRune(runes[i])
			inWord = true
		case quote == '"':
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case strings.ContainsRune("&|;<>()`", r):
			t.Fatalf("the build command must be one simple command, found %q", r)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	require.Zero(t, quote, "unterminated quote in %q", s)
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
