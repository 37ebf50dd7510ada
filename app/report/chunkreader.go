package report

import (
	"bufio"
	"fmt"
	"io"
)

const chunkBufSize = 64 << 10

// chunkReader parses the records of one chunk and keeps track of their
// 1-based data row numbers.
type chunkReader struct {
	cr    *recordReader
	chunk Chunk
	ncols int
	// row is the data row number of the record last returned by next.
	row int64
}

func newChunkReader(r io.Reader, l *Layout, c Chunk) (*chunkReader, error) {
	comma, err := l.comma()
	if err != nil {
		return nil, err
	}
	if len(l.Columns) == 0 {
		return nil, fmt.Errorf("layout has no columns")
	}
	if c.FirstRow < 1 || c.Rows < 0 {
		return nil, fmt.Errorf("chunk %d: invalid row range (first row %d, %d rows)", c.Index, c.FirstRow, c.Rows)
	}
	cr := newRecordReader(bufio.NewReaderSize(r, chunkBufSize), comma)
	return &chunkReader{cr: cr, chunk: c, ncols: len(l.Columns), row: c.FirstRow - 1}, nil
}

// next returns the next record, or io.EOF once the chunk holds exactly the
// number of rows the layout promised. The record is only valid until the
// following call.
func (c *chunkReader) next() ([]string, error) {
	rec, err := c.cr.Read()
	read := c.row - c.chunk.FirstRow + 1
	if err == io.EOF {
		if read != c.chunk.Rows {
			return nil, fmt.Errorf("chunk %d: found %d rows, the layout says %d", c.chunk.Index, read, c.chunk.Rows)
		}
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("chunk %d, row %d: %w", c.chunk.Index, c.row+1, err)
	}
	if read == c.chunk.Rows {
		return nil, fmt.Errorf("chunk %d: holds more than the %d rows the layout says", c.chunk.Index, c.chunk.Rows)
	}
	c.row++
	if len(rec) != c.ncols {
		return nil, fmt.Errorf("chunk %d, row %d: %d fields, the header has %d", c.chunk.Index, c.row, len(rec), c.ncols)
	}
	return rec, nil
}
