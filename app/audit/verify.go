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

// Head is the recorded end of a chain: the last entry's sequence number and hash.
type Head struct {
	Seq  int64
	Hash string
}

// Source is a stored chain, whichever database holds it.
type Source interface {
	// Entries returns up to limit entries with a sequence number above after, in order.
	Entries(ctx context.Context, after int64, limit int) ([]Entry, error)
	// Heads returns every row of the chain's head table (one when intact).
	Heads(ctx context.Context) ([]Head, error)
}

// Verify walks the web database's audit log; see VerifySource.
func Verify(ctx context.Context, db *entweb.Client) (Report, error) {
	return VerifySource(ctx, webSource{db})
}

// VerifySource walks a chain in sequence order, recomputes every hash and checks each
// entry's link to the one before it and the last one against the recorded head. It
// reports the first break; the error is for failures to read.
func VerifySource(ctx context.Context, src Source) (Report, error) {
	var rep Report
	var prev Entry
	for {
		rows, err := src.Entries(ctx, prev.Seq, verifyPage)
		if err != nil {
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		for _, e := range rows {
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
	heads, err := src.Heads(ctx)
	if err != nil {
		return rep, fmt.Errorf("audit: verify: head: %w", err)
	}
	var head Head
	if len(heads) == 1 {
		head = heads[0]
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
	case !checkContent(e):
		return &Break{Seq: e.Seq, Reason: "edited: the entry's hash does not match its content"}
	case e.PrevHash != prev.Hash:
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("edited, deleted or reordered: prev_hash does not match the hash of entry %d", prev.Seq)}
	}
	return nil
}

// checkContent recomputes what e's format allows. A Version2 entry's hash always
// covers its non-personal fields and the personal digest; its personal fields match
// the digest, or were all wiped by Anonymize. A Version1 entry hashes its personal
// fields, so once anonymized only its links (prev_hash, and the next entry's) are
// checked.
func checkContent(e Entry) bool {
	switch {
	case e.Version == Version2 && e.ComputeHash() != e.Hash:
		return false
	case e.Version == Version2 && e.Anonymized:
		return wiped(e)
	case e.Version == Version2:
		return e.ComputePersonalDigest() == e.PersonalDigest
	case e.Anonymized:
		return wiped(e)
	}
	return e.ComputeHash() == e.Hash
}

// wiped reports whether e's personal fields are as Anonymize leaves them.
func wiped(e Entry) bool {
	return e.ActorEmail == "" && e.IP == "" && e.UserAgent == "" && e.Details == "{}" && e.PersonalSalt == ""
}

// checkHead compares the last entry with the recorded head (n is how many head rows
// there are).
func checkHead(last Entry, head Head, n int) *Break {
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

// webSource is the chain of the web database.
type webSource struct{ db *entweb.Client }

func (s webSource) Entries(ctx context.Context, after int64, limit int) ([]Entry, error) {
	rows, err := s.db.AuditEntry.Query().Where(auditentry.IDGT(after)).
		Order(entweb.Asc(auditentry.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

func (s webSource) Heads(ctx context.Context) ([]Head, error) {
	rows, err := s.db.AuditHead.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Head, len(rows))
	for i, r := range rows {
		out[i] = Head{Seq: r.Seq, Hash: r.Hash}
	}
	return out, nil
}
