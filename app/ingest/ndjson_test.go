package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/report"
)

// convert runs both passes over an in-memory NDJSON file and returns its CSV form.
func convert(t testing.TB, data string) (string, error) {
	t.Helper()
	cols, err := ndjsonColumns(strings.NewReader(data), ndjsonLimits{})
	if err != nil {
		return "", err
	}
	var out strings.Builder
	require.NoError(t, ndjsonToCSV(&out, strings.NewReader(data), cols))
	return out.String(), nil
}

func TestNDJSONToCSV(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"union of keys in order of first appearance",
			`{"id":1,"name":"Ann"}` + "\n" + `{"id":2,"age":41}` + "\n" + `{"age":29,"zip":"x","name":"Cid"}` + "\n",
			"id,name,age,zip\n1,Ann,,\n2,,41,\n,Cid,29,x\n"},
		{"scalars", `{"s":"a,b","n":-1.5e3,"t":true,"f":false,"z":null}`,
			"s,n,t,f,z\n\"a,b\",-1.5e3,true,false,\n"},
		{"nested values as compact JSON", `{"o":{"a": [1, 2]},"l":[ "x" , {"b":null} ]}`,
			"o,l\n\"{\"\"a\"\":[1,2]}\",\"[\"\"x\"\",{\"\"b\"\":null}]\"\n"},
		{"BOM, CRLF and blank lines", "\xef\xbb\xbf{\"a\":1}\r\n\r\n   \n{\"a\":2}\r\n", "a\n1\n2\n"},
		{"line breaks inside strings", `{"a":"x\ny"}`, "a\n\"x\ny\"\n"},
		{"repeated key: the last wins", `{"a":1,"a":2}`, "a\n2\n"},
		{"unicode", `{"név":"\u00e9t\u00e9"}`, "név\nété\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := convert(t, tt.data)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNDJSONInputErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "the file is empty"},
		{"blank", "\n \r\n", "the file is empty"},
		{"array line", `{"a":1}` + "\n" + `[1,2]` + "\n", "line 2 is not a JSON object; each line must hold one object"},
		{"scalar line", `{"a":1}` + "\n\n" + `"x"`, "line 3 is not a JSON object"},
		{"broken JSON", `{"a":1}` + "\n" + `{"a":}`, "line 2 is not valid JSON"},
		{"unclosed object", `{"a":1`, "line 1 is not valid JSON"},
		{"two objects on a line", `{"a":1}{"a":2}`, "line 1 holds more than one JSON value"},
		{"trailing garbage", `{"a":1} x`, "line 1 holds more than one JSON value"},
		{"no keys", "{}\n{}\n", "the objects have no keys"},
		{"empty key", `{"":1}`, "line 1: an object has an empty key"},
		{"keys naming one column", `{"a":1}` + "\n" + `{" a":2}`, `line 2: the keys "a" and " a" name the same column`},
		{"NUL in a value", `{"a":"x\u0000y"}`, `line 1: the value of "a" holds a NUL character`},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", "line 1 is not valid UTF-8 text"},
		{"a CSV file", "a,b\n1,2\n", "line 1 is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := convert(t, tt.data)
			requireInputError(t, err, tt.want)
		})
	}
}

func TestNDJSONLimits(t *testing.T) {
	_, err := ndjsonColumns(strings.NewReader(`{"a":1,"b":2,"c":3}`), ndjsonLimits{Columns: 2})
	requireInputError(t, err, "line 1: the objects have more than 2 distinct keys")

	_, err = ndjsonColumns(strings.NewReader(`{"a":"0123456789"}`), ndjsonLimits{Value: 8})
	requireInputError(t, err, `line 1: the value of "a" is larger than 8 bytes`)

	_, err = ndjsonColumns(strings.NewReader("{\"a\":1}\n{\"a\":\""+strings.Repeat("x", 64)+"\"}"), ndjsonLimits{Line: 32})
	requireInputError(t, err, "line 2 is longer than 32 bytes")
}

// endless yields the same byte forever.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// A 2 GB single line is refused once it passes the line limit, without buffering it.
func TestNDJSONRefusesHugeLine(t *testing.T) {
	cr := &countReader{r: io.MultiReader(strings.NewReader(`{"a":"`), io.LimitReader(endless('x'), 2<<30))}
	_, err := ndjsonColumns(cr, ndjsonLimits{})
	requireInputError(t, err, "line 1 is longer than 8 MiB")
	require.Less(t, cr.n, int64(report.DefaultMaxRecordBytes+(1<<20)))
}

// requireInputError asserts err is a *report.InputError containing want.
func requireInputError(t testing.TB, err error, want string) {
	t.Helper()
	require.Error(t, err)
	var ie *report.InputError
	require.True(t, errors.As(err, &ie), "want *report.InputError, got %T: %v", err, err)
	require.Contains(t, ie.Msg, want)
}
