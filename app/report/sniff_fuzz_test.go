package report

import (
	"strings"
	"testing"
)

// FuzzSniffDelimiter checks that sniffing never panics, always picks a candidate, does
// not depend on whether the last line ends in a line break, and that a file whose every
// line has the same number of one candidate is sniffed as that candidate when no other
// candidate occurs. Seeds live in testdata/fuzz/FuzzSniffDelimiter.
func FuzzSniffDelimiter(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		got := sniffDelimiter(head, true)
		if strings.IndexByte(delimCandidates, got) < 0 {
			t.Fatalf("sniffed %q, not a candidate", got)
		}
		if again := sniffDelimiter(append(head[:len(head):len(head)], '\n'), true); again != got {
			t.Fatalf("a final line break changed the delimiter from %q to %q", got, again)
		}
		// Rebuild the input with the fields separated by one candidate only.
		for _, d := range []byte(delimCandidates) {
			var b strings.Builder
			for _, line := range strings.Split(string(head), "\n") {
				clean := strings.Map(func(r rune) rune {
					if strings.ContainsRune(delimCandidates+"\"\r", r) {
						return -1
					}
					return r
				}, line)
				if strings.TrimSpace(clean) == "" {
					continue
				}
				b.WriteString(clean + string(d) + "x\n")
			}
			if b.Len() == 0 {
				continue
			}
			if s := sniffDelimiter([]byte(b.String()), true); s != d {
				t.Fatalf("sniffed %q for a file delimited by %q: %q", s, d, b.String())
			}
		}
	})
}
