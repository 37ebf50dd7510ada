package report

// Report is the data-quality report of one dataset. TaskID and DatasetID
// are left empty by Aggregate for the caller to fill in.
type Report struct {
	TaskID        string         `json:"task_id"`
	DatasetID     string         `json:"dataset_id"`
	Rows          int64          `json:"rows"`
	Score         float64        `json:"score"`
	Dimensions    Dimensions     `json:"dimensions"`
	DuplicateRows int64          `json:"duplicate_rows"`
	Columns       []ColumnReport `json:"columns"`
	Rules         []RuleResult   `json:"rules"`
	// RowCount is the outcome of the dataset's row-count bounds, nil without any.
	RowCount *RowCountResult `json:"row_count,omitempty"`
	// RuleSetVersion is the version of the dataset's saved rule set the run used; nil
	// when the rules came with the task. Set by the caller, like TaskID.
	RuleSetVersion *int `json:"rule_set_version"`
}

// Dimensions are the three score components, each in [0, 1].
type Dimensions struct {
	Completeness float64 `json:"completeness"`
	Validity     float64 `json:"validity"`
	Uniqueness   float64 `json:"uniqueness"`
}

// ColumnReport profiles one column. Nulls are excluded from every figure
// but Count and Nulls. Min, Max, Mean, Stddev and Quantiles are set only for
// integer and number columns and cover the values that parse as numbers;
// Stddev is the population standard deviation.
type ColumnReport struct {
	Name string `json:"name"`
	// Type is the inferred type: integer, number, boolean, date, datetime
	// or string (see Rule for what each accepts). It is the first of
	// integer, number, boolean, date, datetime that at least 95% of the
	// non-null values parse as, else string; a column without non-null
	// values is string.
	Type string `json:"type"`
	// Count is the number of rows.
	Count int64 `json:"count"`
	Nulls int64 `json:"nulls"`
	// Distinct counts distinct non-null values; DistinctApprox says it is a
	// HyperLogLog estimate (about 1% error) rather than an exact count.
	Distinct       int64      `json:"distinct"`
	DistinctApprox bool       `json:"distinct_approx"`
	Min            *float64   `json:"min"`
	Max            *float64   `json:"max"`
	Mean           *float64   `json:"mean"`
	Stddev         *float64   `json:"stddev"`
	Quantiles      *Quantiles `json:"quantiles"`
	// QuantilesApprox is true whenever Quantiles is set: they come from a
	// DDSketch with 1% relative accuracy.
	QuantilesApprox bool `json:"quantiles_approx"`
	// Invalid counts non-null values that do not parse as Type.
	Invalid int64 `json:"invalid"`
	// Top lists up to 5 most frequent values, most frequent first. They
	// come from a mergeable Misra–Gries summary of 1,000 counters: with
	// more distinct values than that, TopApprox is true and each count may
	// be low by up to TopMaxError (at most non-null values / 1,001); every
	// value occurring more often than TopMaxError is still counted.
	Top         []TopValue `json:"top"`
	TopApprox   bool       `json:"top_approx"`
	TopMaxError int64      `json:"top_max_error"`
	// Formats names the formats (email, url, uuid) of at least 95% of the
	// non-null values.
	Formats []string `json:"formats"`
	// MinLength and MaxLength are value lengths in runes.
	MinLength *int64 `json:"min_length"`
	MaxLength *int64 `json:"max_length"`
	// Histogram bins the numeric values of integer and number columns
	// (see HistogramBin); it is empty for other columns.
	Histogram []HistogramBin `json:"histogram,omitempty"`
	// Approximate names the figures of this column that are estimates, out
	// of distinct, quantiles, histogram and top (see their flags); the
	// others are exact.
	Approximate []string `json:"approximate"`
}

// Quantiles are approximate quartiles.
type Quantiles struct {
	P25 float64 `json:"p25"`
	P50 float64 `json:"p50"`
	P75 float64 `json:"p75"`
}

// TopValue is a frequent value. Values longer than 200 bytes are cut and
// end in "…".
type TopValue struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// RuleResult is the outcome of one rule.
type RuleResult struct {
	Rule
	Passed     bool  `json:"passed"`
	FailedRows int64 `json:"failed_rows"`
	// Examples are the first (up to 5) failing 1-based data row numbers.
	Examples []int64 `json:"examples"`
}
