// Package report is the computation engine of Assay: it turns a CSV
// dataset into a data-quality report.
//
// The pipeline runs as separate jobs, possibly in different processes:
//
//  1. Scan validates the uploaded file while streaming it and returns its
//     Layout: dialect, header, row count and chunk byte ranges that start
//     and end on record boundaries.
//  2. For every chunk, Normalize, Enrich and Validate each read only that
//     chunk's bytes and return a partial result, which is stored with its
//     MarshalBinary method and read back with UnmarshalNormalize,
//     UnmarshalEnrich or UnmarshalValidate.
//  3. Aggregate merges the partials, in chunk order, into a Report. The
//     pipeline uses a Merger instead, fed one chunk's partials at a time,
//     and streams the sorted hash runs stored after each partial's header
//     (NewRowHashRun, NewUniqueHashRun) to find duplicate rows and unique
//     failures: its memory does not grow with the number of rows.
//
// Run does all of this in-process.
//
// Distinct counts beyond 10,000 values (HyperLogLog), quantiles and
// histograms (DDSketch) and, past 1,000 distinct values, top-value counts
// (a Misra–Gries summary) are estimates; each column lists its estimated
// figures in ColumnReport.Approximate.
//
// Row numbers throughout (in error messages, Chunk.FirstRow, rule
// examples) are 1-based data row numbers: the header is not counted, so
// row 1 is the first record after the header. Values are trimmed of
// surrounding white space before any check, and a value is null when it
// is empty or one of null, na, n/a, none, nan in any case.
//
// Problems with user input (the file or the rules) are reported as
// *InputError, whose message is meant for end users.
package report
