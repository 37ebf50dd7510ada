package audit

import (
	"context"
	"fmt"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
)

// verifyPage is how many entries Verify reads at a time.
const verifyPage = 1000

// Break is where the chain first fails and why.
type Break struct {
	Seq    int64  // the first entry that is missing or does not check out
	Reason string // edited, deleted or reordered, in words
}

// Report is the outcome of Verify.
type Report struct {
	Entries int64  // entries read
	Head    int64  // the sequence number the head records
	Break   *Break // nil when the chain is intact
}

// Verify walks the audit log in sequence order, recomputes every hash and checks each
// entry's link to the one before it and the last one against the recorded head. It
// reports the first break; the error is for failures to read.
func Verify(ctx context.Context, db *entweb.Client) (Report, error) {
	var rep Report
	var prev Entry
	for {
		rows, err := db.AuditEntry.Query().Where(auditentry.IDGT(prev.Seq)).
			Order(entweb.Asc(auditentry.FieldID)).Limit(verifyPage).All(ctx)
		if err != nil {
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		for _, r := range rows {
			e := fromRow(r)
			rep.Entries++
			if b := checkLink(prev, e); b != nil {
				rep.Break = b
				return rep, nil
			}
			prev = e
		}
		if len(rows) < verifyPage {
			break
		}
	}
	heads, err := db.AuditHead.Query().All(ctx)
	if err != nil {
		return rep, fmt.Errorf("audit: verify: head: %w", err)
	}
	var head entweb.AuditHead
	if len(heads) == 1 {
		head = *heads[0]
	}
	rep.Head = head.Seq
	rep.Break = checkHead(prev, head, len(heads))
	return rep, nil
}

// checkLink checks e, the entry after prev (zero before the first).
func checkLink(prev, e Entry) *Break {
	want := prev.Seq + 1
	switch {
	case e.Seq != want:
		return &Break{Seq: want, Reason: fmt.Sprintf("deleted: entries %d to %d are missing", want, e.Seq-1)}
	case e.ComputeHash() != e.Hash:
		return &Break{Seq: e.Seq, Reason: "edited: the entry's hash does not match its content"}
	case e.PrevHash != prev.Hash:
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("edited, deleted or reordered: prev_hash does not match the hash of entry %d", prev.Seq)}
	}
	return nil
}

// checkHead compares the last entry with the recorded head (n is how many head rows
// there are).
func checkHead(last Entry, head entweb.AuditHead, n int) *Break {
	switch {
	case n > 1:
		return &Break{Seq: last.Seq, Reason: "the head table has more than one row"}
	case n == 0 && last.Seq > 0:
		return &Break{Seq: 1, Reason: "deleted: the recorded head is missing"}
	case head.Seq > last.Seq:
		return &Break{Seq: last.Seq + 1, Reason: fmt.Sprintf("deleted: the head records entry %d but the last entry is %d", head.Seq, last.Seq)}
	case head.Seq < last.Seq:
		return &Break{Seq: head.Seq + 1, Reason: fmt.Sprintf("added outside the log: entries after the recorded head %d", head.Seq)}
	case head.Hash != last.Hash:
		return &Break{Seq: last.Seq, Reason: "edited: the last entry's hash does not match the recorded head"}
	}
	return nil
}
