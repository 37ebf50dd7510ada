package report

import "strings"

// Delimiter sniffing: how many lines to compare, and the candidates in order of preference.
const (
	sniffLines      = 10
	delimCandidates = ",;\t|"
)

// sniffDelimiter picks the delimiter from the first lines of head, counting
// candidates outside quotes (a quoted field may span lines). A candidate that
// occurs the same, non-zero number of times on every complete line wins over
// one that does not, then the higher count, then the earlier candidate. With
// no consistent candidate the most frequent one on the first line wins, and
// "," when none occurs. atEOF says head is the whole file, so its last line is
// complete even without a line break.
func sniffDelimiter(head []byte, atEOF bool) byte {
	lines := countDelimiters(head, atEOF)
	if len(lines) == 0 {
		return ','
	}
	best, bestConsistent := -1, false
	for i := range delimCandidates {
		n := lines[0][i]
		if n == 0 {
			continue
		}
		consistent := true
		for _, l := range lines[1:] {
			if l[i] != n {
				consistent = false
				break
			}
		}
		switch {
		case best < 0,
			consistent && !bestConsistent,
			consistent == bestConsistent && n > lines[0][best]:
			best, bestConsistent = i, consistent
		}
	}
	if best < 0 {
		return ','
	}
	return delimCandidates[best]
}

// countDelimiters counts each candidate per line, outside quotes, for up to
// sniffLines lines. Blank lines are skipped; a last line without a line break
// counts only atEOF (or when it is the only line seen).
func countDelimiters(head []byte, atEOF bool) [][len(delimCandidates)]int {
	var lines [][len(delimCandidates)]int
	var cur [len(delimCandidates)]int
	inQuote, blank := false, true
	for _, b := range head {
		switch {
		case b == '"':
			inQuote = !inQuote
			blank = false
		case inQuote:
		case b == '\n':
			if !blank {
				lines = append(lines, cur)
				if len(lines) == sniffLines {
					return lines
				}
			}
			cur, blank = [len(delimCandidates)]int{}, true
		case b == '\r':
		default:
			blank = false
			if i := strings.IndexByte(delimCandidates, b); i >= 0 {
				cur[i]++
			}
		}
	}
	if !blank && (atEOF || len(lines) == 0) {
		lines = append(lines, cur)
	}
	return lines
}
