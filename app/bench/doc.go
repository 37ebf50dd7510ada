// Package bench measures the whole product end to end: `make bench` runs it and the
// figures are recorded in docs/benchmarks.md.
package bench
