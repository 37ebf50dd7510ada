package report

import "fmt"

// InputError reports a problem with user-supplied input (the dataset file or
// the rules). Its message is written for end users and is safe to show them
// as is; callers detect it with errors.As.
type InputError struct {
	Msg string
}

// Error returns the user-facing message.
func (e *InputError) Error() string { return e.Msg }

// NewInputError returns an *InputError whose message is
// fmt.Sprintf(format, a...).
func NewInputError(format string, a ...any) *InputError {
	return &InputError{Msg: fmt.Sprintf(format, a...)}
}

// plural returns "1 field" or "3 fields".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// byteSize renders a byte count the way users think of limits ("1 MiB").
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return plural(n, "byte")
}
