package webhook

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzVerify throws arbitrary headers and bodies at Verify: it never panics, every error
// wraps ErrInvalid, and anything accepted carries a genuine signature.
func FuzzVerify(f *testing.F) {
	f.Add(specSecret, specID, "1614265330", specSig, specBody)
	f.Add(specSecret, specID, "1614265330", "v1,AAAA "+specSig, specBody)
	f.Add(rawSecret, "msg_1", "1614265330", "v1,", []byte{})
	f.Add("whsec_", "", "", "", []byte(nil))
	f.Add("whsec_!!", "id", "99999999999999999999", "v1,, v1,=", []byte("x"))
	f.Add(specSecret, specID, "-1", "v1a,abc v2,def", specBody)
	now := specTS
	f.Fuzz(func(t *testing.T, secret, id, ts, sig string, body []byte) {
		err := Verify(secret, id, ts, sig, body, now)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			return
		}
		sec, perr := strconv.ParseInt(ts, 10, 64)
		require.NoError(t, perr)
		require.Contains(t, " "+sig+" ", " "+Sign(secret, id, time.Unix(sec, 0), body)+" ")
	})
}
