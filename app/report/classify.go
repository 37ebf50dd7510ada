package report

import (
	"math"
	"strconv"
	"strings"
)

// Column types, from most to least specific.
const (
	TypeInteger  = "integer"
	TypeNumber   = "number"
	TypeBoolean  = "boolean"
	TypeDate     = "date"
	TypeDateTime = "datetime"
	TypeString   = "string"
)

// typeMask records which types a value parses as.
type typeMask uint8

const (
	maskInteger typeMask = 1 << iota
	maskNumber
	maskBoolean
	maskDate
	maskDateTime
)

// typeMasks maps each non-string type name to its mask.
var typeMasks = map[string]typeMask{
	TypeInteger:  maskInteger,
	TypeNumber:   maskNumber,
	TypeBoolean:  maskBoolean,
	TypeDate:     maskDate,
	TypeDateTime: maskDateTime,
}

// isNull reports whether a trimmed value is missing: empty, or one of null,
// na, n/a, none, nan in any case.
func isNull(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 2:
		return strings.EqualFold(s, "na")
	case 3:
		return strings.EqualFold(s, "n/a") || strings.EqualFold(s, "nan")
	case 4:
		return strings.EqualFold(s, "null") || strings.EqualFold(s, "none")
	}
	return false
}

// classify returns the types a trimmed, non-null value parses as:
//   - integer: strconv.ParseInt base 10 (optional + or - sign);
//   - number: strconv.ParseFloat in decimal notation, finite only (hex
//     floats, Inf and NaN are not numbers);
//   - boolean: true, false, yes, no in any case;
//   - date: ISO 8601 calendar date 2006-01-02;
//   - datetime: RFC 3339 date-time, 2006-01-02T15:04:05[.fraction] then Z
//     or ±hh:mm, the strict grammar time.Parse(time.RFC3339) tries first
//     (its lenient fallback, which takes forms such as a one-digit hour or
//     a +24:00 offset, is not followed).
func classify(s string) typeMask {
	m, _, _ := classifyValue(s)
	return m
}

// classifyValue is classify that also returns the value as a number when it parses as
// one (ok exactly when the mask has maskNumber), so a caller needing both parses once.
func classifyValue(s string) (typeMask, float64, bool) {
	if s == "" {
		return 0, 0, false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.':
		if x, ok := smallInt(s); ok {
			return maskInteger | maskNumber, x, true
		}
		if isInteger(s) {
			x, ok := parseNumber(s)
			return maskInteger | maskNumber, x, ok
		}
		if x, ok := parseNumber(s); ok {
			return maskNumber, x, true
		}
		if isDate(s) {
			return maskDate, 0, false
		}
		if isDateTime(s) {
			return maskDateTime, 0, false
		}
		return 0, 0, false
	default:
		if isBool(s) {
			return maskBoolean, 0, false
		}
		return 0, 0, false
	}
}

// parseNumber parses a finite decimal number without allocating on failure.
func parseNumber(s string) (float64, bool) {
	if x, ok := smallInt(s); ok {
		return x, true
	}
	if !looksDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// looksDecimal matches [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?,
// the decimal syntax of strconv.ParseFloat without underscores.
func looksDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// smallInt parses an integer of at most 15 digits, which float64 holds
// exactly, so the result equals strconv.ParseFloat's.
func smallInt(s string) (float64, bool) {
	i := 0
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		i++
	}
	if i == len(s) || len(s)-i > 15 {
		return 0, false
	}
	var n int64
	for ; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		return -float64(n), true
	}
	return float64(n), true
}

// isInteger reports whether s parses with strconv.ParseInt(s, 10, 64).
func isInteger(s string) bool {
	i := 0
	if s != "" && (s[0] == '+' || s[0] == '-') {
		i++
	}
	if i == len(s) {
		return false
	}
	for j := i; j < len(s); j++ {
		if !isDigit(s[j]) {
			return false
		}
	}
	if len(s)-i < 19 {
		return true
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func isBool(s string) bool {
	switch len(s) {
	case 2:
		return strings.EqualFold(s, "no")
	case 3:
		return strings.EqualFold(s, "yes")
	case 4:
		return strings.EqualFold(s, "true")
	case 5:
		return strings.EqualFold(s, "false")
	}
	return false
}

// isDate reports whether s is a valid 2006-01-02 date.
func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	_, ok := parseYMD(s)
	return ok
}

// parseYMD validates the YYYY-MM-DD prefix of s (len(s) >= 10).
func parseYMD(s string) (year int, ok bool) {
	y, ok1 := atoiFixed(s[0:4])
	m, ok2 := atoiFixed(s[5:7])
	d, ok3 := atoiFixed(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return 0, false
	}
	return y, true
}

// isDateTime mirrors the strict RFC 3339 parser of package time:
// YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z or ±HH:MM.
func isDateTime(s string) bool {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return false
	}
	if s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	if _, ok := parseYMD(s); !ok {
		return false
	}
	hh, ok1 := atoiFixed(s[11:13])
	mm, ok2 := atoiFixed(s[14:16])
	ss, ok3 := atoiFixed(s[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return false
	}
	rest := s[19:]
	if len(rest) >= 2 && rest[0] == '.' && isDigit(rest[1]) {
		n := 2
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		rest = rest[n:]
	}
	if rest == "Z" {
		return true
	}
	if len(rest) != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' {
		return false
	}
	oh, ok1 := atoiFixed(rest[1:3])
	om, ok2 := atoiFixed(rest[4:6])
	return ok1 && ok2 && oh <= 23 && om <= 59
}

func atoiFixed(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
