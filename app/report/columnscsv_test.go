package report

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestColumnsCSVGuardsFormulas(t *testing.T) {
	rep := runCSV(t, "=cmd|' /C calc'!A0,+1,-2.5,@sum,plain\n-3.5,=1+1,-x,\t-y,ok\n", nil, ScanOptions{})
	var out strings.Builder
	require.NoError(t, rep.ColumnsCSV(&out))

	records, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	require.NoError(t, err)
	require.Equal(t, columnsCSVHeader, records[0])
	require.Len(t, records, 6)
	cell := func(row int, col string) string {
		for i, h := range records[0] {
			if h == col {
				return records[row][i]
			}
		}
		t.Fatalf("no column %q", col)
		return ""
	}
	require.Equal(t, "'=cmd|' /C calc'!A0", cell(1, "name"))
	require.Equal(t, "number", cell(1, "type"))
	require.Equal(t, "-3.5", cell(1, "min"), "plain numbers stay as they are")
	require.Equal(t, "'-3.5 (1)", cell(1, "top"))
	require.Equal(t, "+1", cell(2, "name"))
	require.Equal(t, "'=1+1 (1)", cell(2, "top"))
	require.Equal(t, "-2.5", cell(3, "name"))
	require.Equal(t, "'-x (1)", cell(3, "top"))
	require.Equal(t, "'@sum", cell(4, "name"))
	require.Equal(t, "'-y (1)", cell(4, "top"), "values are trimmed; the dash still needs the guard")
	require.Equal(t, "plain", cell(5, "name"))

	for _, tt := range []struct{ in, want string }{
		{"", ""}, {"=A1", "'=A1"}, {"+A1", "'+A1"}, {"-A1", "'-A1"}, {"@A1", "'@A1"}, {"\tA1", "'\tA1"},
		{"\rA1", "'\rA1"}, {"-3.5", "-3.5"}, {"+7", "+7"}, {"-1e3", "-1e3"}, {"a=b", "a=b"},
	} {
		require.Equal(t, tt.want, GuardCell(tt.in), "%q", tt.in)
	}
}
