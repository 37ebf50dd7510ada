package events

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDispatch feeds arbitrary pub/sub messages to the hub: it never panics and delivers
// only events whose org matches both the channel and the subscription.
func FuzzDispatch(f *testing.F) {
	f.Add("ns:events:org1", []byte(`{"type":"progress","org_id":"org1","task_id":"t1","progress":0.5}`))
	f.Add("ns:events:org1", []byte(`{"org_id":"org2","task_id":"t1"}`))
	f.Add("ns:events:", []byte(`{"org_id":"","task_id":"t1"}`))
	f.Add("other:events:org1", []byte(`{"org_id":"org1"}`))
	f.Add("ns:events:org1", []byte(`{"org_id":"org1","stages":[{"name":"x","done":-1}],"score":1e400}`))
	f.Add("ns:events:org1", []byte("\x00"))
	f.Fuzz(func(t *testing.T, channel string, data []byte) {
		h := NewHub(nil, "ns", nil)
		all, cancelAll := h.Subscribe("org1", "")
		defer cancelAll()
		task, cancelTask := h.Subscribe("org1", "t1")
		defer cancelTask()
		h.dispatch(channel, data)
		select {
		case e := <-all:
			require.Equal(t, "ns:events:org1", channel)
			require.Equal(t, "org1", e.OrgID)
		default:
		}
		select {
		case e := <-task:
			require.Equal(t, "org1", e.OrgID)
			require.Equal(t, "t1", e.TaskID)
		default:
		}
	})
}
