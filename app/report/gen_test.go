package report

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

var (
	genCountries = []string{"DE", "FR", "US", "GB", "ES", "IT", "NL", "PL", "SE", "XX"}
	genNames     = []string{"Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jon"}
)

// genCSV returns a deterministic 10-column CSV with n data rows: an id,
// text, emails, integers with nulls and outliers, decimals, a low-cardinality
// code, dates, RFC 3339 timestamps, booleans and UUIDs. About 1% of rows
// repeat the previous row.
func genCSV(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, n*110)
	b = append(b, "id,name,email,age,score,country,joined,updated,active,uid\n"...)
	var prev []byte
	for i := 1; i <= n; i++ {
		if prev != nil && rng.IntN(100) == 0 {
			b = append(b, prev...)
			continue
		}
		start := len(b)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ',')
		name := genNames[rng.IntN(len(genNames))]
		if rng.IntN(50) == 0 {
			b = append(b, `"`+name+`, Jr."`...)
		} else {
			b = append(b, name...)
		}
		b = append(b, ',')
		b = fmt.Appendf(b, "%s.%d@example.com", name, rng.IntN(1000))
		b = append(b, ',')
		switch r := rng.IntN(100); {
		case r < 10:
			b = append(b, "NA"...)
		case r < 13:
			b = strconv.AppendInt(b, int64(100+rng.IntN(50)), 10)
		default:
			b = strconv.AppendInt(b, int64(18+rng.IntN(73)), 10)
		}
		b = append(b, ',')
		b = strconv.AppendFloat(b, rng.NormFloat64()*15+70, 'f', 2, 64)
		b = append(b, ',')
		b = append(b, genCountries[rng.IntN(len(genCountries))]...)
		b = append(b, ',')
		b = fmt.Appendf(b, "20%02d-%02d-%02d", 10+rng.IntN(15), 1+rng.IntN(12), 1+rng.IntN(28))
		b = append(b, ',')
		b = fmt.Appendf(b, "2024-%02d-%02dT%02d:%02d:%02dZ", 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60))
		b = append(b, ',')
		if rng.IntN(2) == 0 {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
		b = append(b, ',')
		b = fmt.Appendf(b, "%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
		b = append(b, '\n')
		prev = b[start:len(b):len(b)]
	}
	return b
}
