package report

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// statsCSV has 20 rows; see TestColumnStats for what each column exercises.
func statsCSV() string {
	var b strings.Builder
	b.WriteString("n,price,flag,day,ts,email,mixed,empty,city,word\n")
	for i := 1; i <= 20; i++ {
		n := fmt.Sprint(i)
		if i == 20 {
			n = "abc"
		}
		flag := []string{"true", "False"}[i%2]
		if i == 3 {
			flag = ""
		} else if i == 4 {
			flag = " N/A "
		}
		mixed := fmt.Sprint(i)
		if i > 18 {
			mixed = "abc"
		}
		city := "A"
		if i > 10 {
			city = "B"
		}
		if i > 16 {
			city = "C"
		}
		word := []string{"héllo", "hi", "longer word"}[i%3]
		fmt.Fprintf(&b, "%s,%g,%s,2024-01-%02d,2024-01-%02dT10:00:00Z,user%d@example.com,%s,null,%s,%s\n",
			n, float64(i)*0.5, flag, i, i, i, mixed, city, word)
	}
	return b.String()
}

func TestColumnStats(t *testing.T) {
	for _, chunkRows := range []int{0, 3} {
		t.Run(fmt.Sprintf("chunk rows %d", chunkRows), func(t *testing.T) {
			rep := runCSV(t, statsCSV(), nil, ScanOptions{ChunkRows: chunkRows})
			require.EqualValues(t, 20, rep.Rows)

			// n: 1..19 and "abc": 19/20 = 95% integers, so integer with one
			// invalid value; stats over 1..19: mean 10, population variance
			// (19²−1)/12 = 30.
			n := column(t, rep, "n")
			require.Equal(t, TypeInteger, n.Type)
			require.EqualValues(t, 1, n.Invalid)
			require.EqualValues(t, 20, n.Distinct)
			require.False(t, n.DistinctApprox)
			require.Equal(t, 1.0, *n.Min)
			require.Equal(t, 19.0, *n.Max)
			require.InDelta(t, 10.0, *n.Mean, 1e-12)
			require.InDelta(t, math.Sqrt(30), *n.Stddev, 1e-12)
			require.True(t, n.QuantilesApprox)
			require.InEpsilon(t, 5.0, n.Quantiles.P25, 0.21) // rank 0.25×18 = 4.5 → 5th smallest
			require.InEpsilon(t, 10.0, n.Quantiles.P50, 0.02)
			require.InEpsilon(t, 14.0, n.Quantiles.P75, 0.08)

			// price: 0.5..10, half of them integral, so number; mean 5.25,
			// stddev 0.5·√((20²−1)/12).
			price := column(t, rep, "price")
			require.Equal(t, TypeNumber, price.Type)
			require.EqualValues(t, 0, price.Invalid)
			require.InDelta(t, 5.25, *price.Mean, 1e-12)
			require.InDelta(t, 0.5*math.Sqrt(399.0/12), *price.Stddev, 1e-12)
			require.Equal(t, 0.5, *price.Min)
			require.Equal(t, 10.0, *price.Max)

			flag := column(t, rep, "flag")
			require.Equal(t, TypeBoolean, flag.Type)
			require.EqualValues(t, 2, flag.Nulls)
			require.EqualValues(t, 2, flag.Distinct)
			require.Nil(t, flag.Mean)
			require.Nil(t, flag.Quantiles)
			require.False(t, flag.QuantilesApprox)

			require.Equal(t, TypeDate, column(t, rep, "day").Type)
			require.Equal(t, TypeDateTime, column(t, rep, "ts").Type)

			email := column(t, rep, "email")
			require.Equal(t, TypeString, email.Type)
			require.Equal(t, []string{FormatEmail}, email.Formats)

			// mixed: 18/20 = 90% integers, below the threshold.
			mixed := column(t, rep, "mixed")
			require.Equal(t, TypeString, mixed.Type)
			require.EqualValues(t, 0, mixed.Invalid)
			require.Nil(t, mixed.Min)

			empty := column(t, rep, "empty")
			require.Equal(t, TypeString, empty.Type)
			require.EqualValues(t, 20, empty.Nulls)
			require.EqualValues(t, 0, empty.Distinct)
			require.Nil(t, empty.MinLength)
			require.Equal(t, []string{}, empty.Formats)
			require.Equal(t, []TopValue{}, empty.Top)

			city := column(t, rep, "city")
			require.Equal(t, []TopValue{{"A", 10}, {"B", 6}, {"C", 4}}, city.Top)
			require.False(t, city.TopApprox)

			word := column(t, rep, "word")
			require.EqualValues(t, 2, *word.MinLength)
			require.EqualValues(t, 11, *word.MaxLength)
			require.Equal(t, []TopValue{{"hi", 7}, {"longer word", 7}, {"héllo", 6}}, word.Top)
		})
	}
}

func TestDistinct(t *testing.T) {
	gen := func(rows, modulo int) string {
		var b strings.Builder
		b.WriteString("v\n")
		for i := range rows {
			fmt.Fprintf(&b, "value-%d\n", i%modulo)
		}
		return b.String()
	}
	tests := []struct {
		name           string
		rows, distinct int
		chunkRows      int
		approx         bool
	}{
		{"exact in one chunk", 20_000, 5_000, 0, false},
		{"exact across chunks", 20_000, 9_000, 3_000, false},
		{"exact limit", 10_000, 10_000, 0, false},
		{"approx in one chunk", 60_000, 50_000, 0, true},
		{"approx from exact chunks", 30_000, 30_000, 10_000, true},
		{"approx across approx chunks", 100_000, 100_000, 30_000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := runCSV(t, gen(tt.rows, tt.distinct), nil, ScanOptions{ChunkRows: tt.chunkRows})
			c := column(t, rep, "v")
			require.Equal(t, tt.approx, c.DistinctApprox)
			if tt.approx {
				require.InEpsilon(t, tt.distinct, c.Distinct, 0.02)
				require.True(t, c.TopApprox)
			} else {
				require.EqualValues(t, tt.distinct, c.Distinct)
			}
		})
	}
}

func TestDuplicateRowsAcrossChunks(t *testing.T) {
	data := "a,b\n1,x\n2,y\n1,x\n 1 , x \n2,y\n3,z\n2,Y\n"
	for _, chunkRows := range []int{0, 1, 2} {
		rep := runCSV(t, data, nil, ScanOptions{ChunkRows: chunkRows})
		// Rows 3 and 4 repeat row 1 (after trimming), row 5 repeats row 2.
		require.EqualValues(t, 3, rep.DuplicateRows, "chunk rows %d", chunkRows)
	}
}

func TestRules(t *testing.T) {
	data := "id,age,country,code,name,joined,email\n" +
		"1,30,DE,AB,Ann,2024-01-01,a@x.io\n" +
		"2,17,FR,ab,Bob,2024-13-01,\n" +
		"3,NA,US,ABC,,2024-01-03,c@x.io\n" +
		"4,abc,DE,CD,Christopher,2024-01-04,d@x.io\n" +
		"2,70, XX ,EF,Dan,x,e@x.io\n" +
		"3,18,,GH,Eve,2024-01-06,NULL\n"
	rules := []Rule{
		{Column: "id", Check: CheckUnique},
		{Column: "age", Check: CheckRange, Min: f64(18), Max: f64(65)},
		{Column: "age", Check: CheckRange, Min: f64(18)},
		{Column: "age", Check: CheckRange, Max: f64(17)},
		{Column: "country", Check: CheckIn, Values: []string{"DE", "FR", " US "}},
		{Column: "code", Check: CheckRegex, Pattern: `^[A-Z]{2}$`},
		{Column: "code", Check: CheckRegex, Pattern: `[A-Z]`},
		{Column: "name", Check: CheckLength, Min: f64(2), Max: f64(5)},
		{Column: "joined", Check: CheckType, Type: TypeDate},
		{Column: "joined", Check: CheckType, Type: TypeString},
		{Column: "email", Check: CheckNotNull},
	}
	want := [][]int64{
		{5, 6},       // unique: 2 and 3 seen before
		{2, 4, 5},    // 17 too low, abc not a number, 70 too high; NA ignored
		{2, 4},       // no upper bound
		{1, 4, 5, 6}, // no lower bound
		{5},          // XX; the null in row 6 is ignored
		{2, 3},       // full match only via anchors
		{2},          // unanchored: any capital letter
		{4},          // Christopher is 11 runes; row 3 is null
		{2, 5},       // 2024-13-01, x
		{},           // every value is a string
		{2, 6},       // empty and NULL
	}
	for _, chunkRows := range []int{0, 1, 2, 4} {
		t.Run(fmt.Sprintf("chunk rows %d", chunkRows), func(t *testing.T) {
			rep := runCSV(t, data, rules, ScanOptions{ChunkRows: chunkRows})
			require.Len(t, rep.Rules, len(rules))
			for i, res := range rep.Rules {
				require.Equal(t, rules[i], res.Rule)
				require.Equal(t, want[i], res.Examples, "rule %d (%s %s)", i+1, res.Column, res.Check)
				require.EqualValues(t, len(want[i]), res.FailedRows, "rule %d", i+1)
				require.Equal(t, len(want[i]) == 0, res.Passed)
			}
			// Every row fails some rule (row 1 fails age ≤ 17).
			require.Equal(t, 0.0, rep.Dimensions.Validity)
		})
	}
}

func TestRuleExamplesCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("v\n")
	for i := 1; i <= 12; i++ {
		if i%2 == 1 {
			b.WriteString("na\n")
		} else {
			b.WriteString("1\n")
		}
	}
	rep := runCSV(t, b.String(), []Rule{{Column: "v", Check: CheckNotNull}, {Column: "v", Check: CheckUnique}}, ScanOptions{ChunkRows: 5})
	require.EqualValues(t, 6, rep.Rules[0].FailedRows)
	require.Equal(t, []int64{1, 3, 5, 7, 9}, rep.Rules[0].Examples)
	require.EqualValues(t, 5, rep.Rules[1].FailedRows)
	require.Equal(t, []int64{4, 6, 8, 10, 12}, rep.Rules[1].Examples)
}

// scoreCSV: 20 rows of (n, s). n is 1..18, then 18 again, then "x"; s is
// v1..v16, three empty values (rows 17-19), then v20.
func scoreCSV() string {
	var b strings.Builder
	b.WriteString("n,s\n")
	for i := 1; i <= 20; i++ {
		n, s := fmt.Sprint(min(i, 18)), fmt.Sprintf("v%d", i)
		if i == 20 {
			n = "x"
		}
		if i >= 17 && i <= 19 {
			s = ""
		}
		fmt.Fprintf(&b, "%s,%s\n", n, s)
	}
	return b.String()
}

func TestScore(t *testing.T) {
	// cells = 20 rows × 2 columns = 40; nulls = 3 (s in rows 17-19), so
	// completeness = 37/40 = 0.925.
	// n: 19 of 20 values are integers (95%) → integer with 1 invalid ("x");
	// s is a string column, so all 17 values conform.
	// Without rules, validity = (37 − 1)/37 = 36/37.
	// Row 19 (18, "") repeats row 18, so uniqueness = 1 − 1/20 = 0.95.
	// score = 100 × (0.35×0.925 + 0.45×36/37 + 0.20×0.95)
	//       = 100 × (0.32375 + 0.4378378… + 0.19) = 95.158… → 95.2
	rep := runCSV(t, scoreCSV(), nil, ScanOptions{ChunkRows: 7})
	require.EqualValues(t, 1, rep.DuplicateRows)
	require.Equal(t, TypeInteger, column(t, rep, "n").Type)
	require.EqualValues(t, 1, column(t, rep, "n").Invalid)
	require.InDelta(t, 0.925, rep.Dimensions.Completeness, 1e-12)
	require.InDelta(t, 36.0/37, rep.Dimensions.Validity, 1e-12)
	require.InDelta(t, 0.95, rep.Dimensions.Uniqueness, 1e-12)
	require.Equal(t, 95.2, rep.Score)

	// With rules, validity = rows failing no rule / rows.
	// n ≤ 12 fails rows 13-19 (13..18, 18) and row 20 ("x" is no number);
	// s not_null fails rows 17-19, already counted: 8 failing rows, so
	// validity = 12/20 = 0.6.
	// score = 100 × (0.32375 + 0.45×0.6 + 0.19) = 100 × 0.78375 → 78.4
	rep = runCSV(t, scoreCSV(), []Rule{
		{Column: "n", Check: CheckRange, Max: f64(12)},
		{Column: "s", Check: CheckNotNull},
	}, ScanOptions{ChunkRows: 7})
	require.EqualValues(t, 8, rep.Rules[0].FailedRows)
	require.Equal(t, []int64{17, 18, 19}, rep.Rules[1].Examples)
	require.InDelta(t, 0.6, rep.Dimensions.Validity, 1e-12)
	require.Equal(t, 78.4, rep.Score)
}

func TestScoreEdgeCases(t *testing.T) {
	// All null: completeness 0, validity 1 (no non-null cells), and the
	// three rows are identical after trimming, so uniqueness = 1 − 2/3.
	rep := runCSV(t, "a,b\n,NA\n,NA\n , NA \n", nil, ScanOptions{})
	require.Equal(t, 0.0, rep.Dimensions.Completeness)
	require.Equal(t, 1.0, rep.Dimensions.Validity)
	require.InDelta(t, 1.0/3, rep.Dimensions.Uniqueness, 1e-12)
	require.Equal(t, math.Round(100*(0.45+0.2/3)*10)/10, rep.Score)
	require.Equal(t, 0.0, score(Dimensions{}))
	require.Equal(t, 100.0, score(Dimensions{1, 1, 1}))
}

func TestReportJSONShape(t *testing.T) {
	rep := runCSV(t, "a,b\n1,x\n2,y\n", nil, ScanOptions{})
	rep.TaskID, rep.DatasetID = "t1", "d1"
	b, err := jsonMarshal(rep)
	require.NoError(t, err)
	s := string(b)
	for _, key := range []string{
		`"task_id":"t1"`, `"dataset_id":"d1"`, `"rows":2`, `"score":`, `"dimensions":{"completeness":1,"validity":1,"uniqueness":1}`,
		`"duplicate_rows":0`, `"distinct_approx":false`, `"quantiles":{"p25":`, `"quantiles_approx":true`,
		`"invalid":0`, `"top":[{"value":"1","count":1}`, `"formats":[]`, `"rules":[]`, `"min":null`, `"min_length":1`,
	} {
		require.Contains(t, s, key)
	}
}
