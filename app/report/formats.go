package report

import "strings"

// Format names reported in ColumnReport.Formats.
const (
	FormatEmail = "email"
	FormatURL   = "url"
	FormatUUID  = "uuid"
)

// FormatCounts counts the non-null values that look like each format.
type FormatCounts struct {
	Email int64
	URL   int64
	UUID  int64
}

func (f *FormatCounts) add(s string) {
	switch {
	case isUUID(s):
		f.UUID++
	case isURL(s):
		f.URL++
	case isEmail(s):
		f.Email++
	}
}

func (f *FormatCounts) merge(o FormatCounts) {
	f.Email += o.Email
	f.URL += o.URL
	f.UUID += o.UUID
}

var isHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

// isUUID matches the canonical 8-4-4-4-12 hexadecimal form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !isHex[c] {
			return false
		}
	}
	return true
}

// isURL accepts absolute http and https URLs with a host and no white space.
func isURL(s string) bool {
	var rest string
	switch {
	case len(s) > 7 && strings.EqualFold(s[:7], "http://"):
		rest = s[7:]
	case len(s) > 8 && strings.EqualFold(s[:8], "https://"):
		rest = s[8:]
	default:
		return false
	}
	if rest[0] == '/' || rest[0] == '?' || rest[0] == '#' {
		return false
	}
	return !hasSpace(rest)
}

// isEmail is a pragmatic check: one @, a non-empty local part, a domain with
// a dot that neither starts nor ends it, and no white space.
func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 {
		return false
	}
	domain := s[at+1:]
	dot := strings.IndexByte(domain, '.')
	if dot <= 0 || domain[len(domain)-1] == '.' || strings.IndexByte(domain, '@') >= 0 {
		return false
	}
	return !hasSpace(s)
}

func hasSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			return true
		}
	}
	return false
}
