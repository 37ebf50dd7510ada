package report

import (
	"fmt"
	"io"
	"strings"
)

// Parts selects the partials one pass over a chunk computes:
//   - Normalize trims every value, counts nulls and the types each value parses as, and
//     hashes every row for duplicate detection;
//   - Enrich profiles every column: counts, nulls, distinct values, numeric statistics
//     and quantiles, top values, value lengths and recognisable formats;
//   - Validate evaluates the rules and records the failing row numbers (1-based data
//     rows) of each.
type Parts struct {
	Normalize, Enrich, Validate bool
}

// AllParts asks for every partial of a chunk.
var AllParts = Parts{Normalize: true, Enrich: true, Validate: true}

// name is the stage a parse error is reported under: the one part asked for, or
// "chunk" for several.
func (p Parts) name() string {
	switch p {
	case Parts{Normalize: true}:
		return "normalize"
	case Parts{Enrich: true}:
		return "enrich"
	case Parts{Validate: true}:
		return "validate"
	}
	return "chunk"
}

// Partials are one chunk's partials; a part not asked for is nil.
type Partials struct {
	Normalize *NormalizePartial
	Enrich    *EnrichPartial
	Validate  *ValidatePartial
}

// ComputeChunk parses one chunk, whose bytes r yields exactly, once and computes the
// partials want asks for from the same trimmed values: each is what a pass asking for it
// alone returns. Rules are checked against the layout's columns first when Validate is
// wanted.
func ComputeChunk(r io.Reader, l *Layout, c Chunk, rules []Rule, want Parts) (*Partials, error) {
	var (
		norm *normalizer
		enr  enrichment
		val  *validator
	)
	if want.Validate {
		compiled, err := compileRules(rules, l.Columns)
		if err != nil {
			return nil, err
		}
		val = newValidator(compiled, c)
	}
	cr, err := newChunkReader(r, l, c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", want.name(), err)
	}
	if want.Normalize {
		norm = newNormalizer(len(l.Columns), c)
	}
	if want.Enrich {
		enr = newEnrichment(len(l.Columns), c.Rows)
	}
	row := newCells(len(l.Columns), norm != nil || enr != nil)
	for {
		rec, err := cr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", want.name(), err)
		}
		row.set(rec)
		if norm != nil {
			norm.row(row)
		}
		if enr != nil {
			enr.row(row)
		}
		if val != nil {
			val.row(row, cr.row)
		}
	}
	out := &Partials{}
	if norm != nil {
		out.Normalize = norm.partial()
	}
	if enr != nil {
		out.Enrich = enr.partial(c)
	}
	if val != nil {
		out.Validate = val.p
	}
	return out, nil
}

// cells is one row as every part reads it: trimmed values, whether each is null and,
// when typed is set, the types each non-null value parses as and its number.
type cells struct {
	vals  []string
	nulls []bool
	typed bool
	masks []typeMask
	nums  []float64
	isNum []bool
}

func newCells(ncols int, typed bool) *cells {
	c := &cells{vals: make([]string, ncols), nulls: make([]bool, ncols), typed: typed}
	if typed {
		c.masks, c.nums, c.isNum = make([]typeMask, ncols), make([]float64, ncols), make([]bool, ncols)
	}
	return c
}

// set takes a parsed record.
func (c *cells) set(rec []string) {
	for i, f := range rec {
		v := strings.TrimSpace(f)
		c.vals[i], c.nulls[i] = v, isNull(v)
		if c.typed {
			if c.nulls[i] {
				c.masks[i], c.nums[i], c.isNum[i] = 0, 0, false
				continue
			}
			c.masks[i], c.nums[i], c.isNum[i] = classifyValue(v)
		}
	}
}
