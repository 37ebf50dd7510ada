package report

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestIsNull(t *testing.T) {
	for _, s := range []string{"", "null", "NULL", "Null", "na", "NA", "n/a", "N/A", "none", "None", "nan", "NaN"} {
		require.True(t, isNull(s), "%q", s)
	}
	for _, s := range []string{"0", "-", "nil", "n.a.", "nul", "nones", "nana", "false"} {
		require.False(t, isNull(s), "%q", s)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		want typeMask
	}{
		{"0", maskInteger | maskNumber},
		{"-42", maskInteger | maskNumber},
		{"+7", maskInteger | maskNumber},
		{"007", maskInteger | maskNumber},
		{"9223372036854775807", maskInteger | maskNumber},
		{"9223372036854775808", maskNumber},
		{"1.5", maskNumber},
		{".5", maskNumber},
		{"5.", maskNumber},
		{"-1e3", maskNumber},
		{"1E-7", maskNumber},
		{"1e999", 0},
		{"inf", 0},
		{"Infinity", 0},
		{"0x1p3", 0},
		{"1_000", 0},
		{"1,5", 0},
		{"1e", 0},
		{"-", 0},
		{"true", maskBoolean},
		{"FALSE", maskBoolean},
		{"Yes", maskBoolean},
		{"no", maskBoolean},
		{"y", 0},
		{"t", 0},
		{"2024-02-29", maskDate},
		{"2023-02-29", 0},
		{"2024-13-01", 0},
		{"2024-1-01", 0},
		{"2024-01-02T15:04:05Z", maskDateTime},
		{"2024-01-02T15:04:05.123456+02:00", maskDateTime},
		{"2024-01-02T15:04:05-07:30", maskDateTime},
		{"2024-01-02 15:04:05Z", 0},
		{"2024-01-02T24:00:00Z", 0},
		{"2024-01-02T15:04:05", 0},
		{"2024-01-02T15:04:05+0200", 0},
		{"hello", 0},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, classify(tt.in), "%q", tt.in)
	}
}

// TestClassifyMatchesStdlib checks the allocation-free parsers against the
// strconv and time functions they stand in for.
func TestClassifyMatchesStdlib(t *testing.T) {
	inputs := []string{
		"0", "-0", "+0", "12", "-12", "+12", "123456789012345", "1234567890123456", "-9223372036854775808",
		"-9223372036854775809", "99999999999999999999", "1.25", "-.5", "+.5e-3", "1e308", "1e309", "-1e309", "4e-400",
		"00.1", "1.2.3", "--1", "+-1", "", " 1", "1 ", "e5", ".", "+.", "0b101", "0o17", "0x1F",
	}
	for _, s := range inputs {
		_, intErr := strconv.ParseInt(s, 10, 64)
		require.Equal(t, intErr == nil, isInteger(s), "isInteger(%q)", s)
		f, floatErr := strconv.ParseFloat(s, 64)
		got, ok := parseNumber(s)
		wantOK := floatErr == nil && !math.IsInf(f, 0) && s != "0x1F"
		require.Equal(t, wantOK, ok, "parseNumber(%q)", s)
		if ok {
			require.Equal(t, f, got, "parseNumber(%q)", s)
		}
	}
	times := []string{
		"2024-01-02T15:04:05Z", "2024-01-02T15:04:05.999999999Z", "2024-01-02T15:04:05.1+14:00", "0000-01-01T00:00:00Z",
		"2024-02-30T00:00:00Z", "2024-01-02T15:04:60Z", "2024-01-02T15:60:05Z", "2024-01-02t15:04:05Z",
		"2024-01-02T15:04:05z", "2024-01-02T15:04:05.Z", "2024-01-02T15:04:05+99:00",
		"2024-01-02T15:04:05 +01:00", "2024-01-02T15:04:05+01:00:00",
	}
	for _, s := range times {
		_, err := time.Parse(time.RFC3339, s)
		require.Equal(t, err == nil, isDateTime(s), "isDateTime(%q): time.Parse says %v", s, err)
	}
	// time.Parse's lenient fallback takes these; strict RFC 3339 does not.
	for _, s := range []string{"2024-01-02T5:04:05Z", "2024-01-02T15:04:05,5Z", "2024-01-02T15:04:05+24:00", "2024-01-02T15:04:05+01:60"} {
		require.False(t, isDateTime(s), "isDateTime(%q)", s)
	}
	for _, s := range []string{"2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "2024-04-31", "2024-00-10", "2024-01-00", "0000-01-01"} {
		_, err := time.Parse("2006-01-02", s)
		require.Equal(t, err == nil, isDate(s), "isDate(%q)", s)
	}
}

func TestInferType(t *testing.T) {
	tests := []struct {
		name  string
		types ColumnTypes
		want  string
	}{
		{"no values", ColumnTypes{Nulls: 10}, TypeString},
		{"all integers", ColumnTypes{NonNull: 20, Integer: 20, Number: 20}, TypeInteger},
		{"95% integers", ColumnTypes{NonNull: 20, Integer: 19, Number: 19}, TypeInteger},
		{"90% integers", ColumnTypes{NonNull: 20, Integer: 18, Number: 18}, TypeString},
		{"integers and decimals", ColumnTypes{NonNull: 20, Integer: 10, Number: 20}, TypeNumber},
		{"booleans", ColumnTypes{NonNull: 100, Boolean: 96}, TypeBoolean},
		{"dates", ColumnTypes{NonNull: 100, Date: 95}, TypeDate},
		{"datetimes", ColumnTypes{NonNull: 100, DateTime: 95}, TypeDateTime},
		{"mixed dates", ColumnTypes{NonNull: 100, Date: 50, DateTime: 50}, TypeString},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, inferType(tt.types), tt.name)
	}
}

func TestFormats(t *testing.T) {
	var f FormatCounts
	for _, s := range []string{
		"a@b.co", "first.last+tag@sub.example.org", "x@y", "@b.co", "a@.co", "a@b.", "a b@c.de", "a@b@c.de",
		"https://example.com/x?y=1", "HTTP://example.com", "http://", "https:///path", "ftp://example.com", "http://a b",
		"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-42661417400G", "123e4567e89b12d3a456426614174000",
	} {
		f.add(s)
	}
	require.Equal(t, FormatCounts{Email: 2, URL: 2, UUID: 1}, f)
}
