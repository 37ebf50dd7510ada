package jobs

import (
	"context"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/assayhq/assay/app/platform"
)

// queueDepthTimeout bounds the Redis round trip of one scrape.
const queueDepthTimeout = 2 * time.Second

// QueueDepth is a Prometheus collector of queue_depth{queue}: how many jobs wait in each
// queue of namespace (pipeline stages and mail), read with LLEN at every scrape.
func QueueDepth(rds *platform.Redis, namespace string) prometheus.Collector {
	queues := make([]string, 0, len(stageOrder)+1)
	for _, k := range stageOrder {
		queues = append(queues, jobName(k))
	}
	queues = append(queues, MailSend)
	return &queueDepth{
		pool: rds.Pool, ns: namespace, queues: queues,
		desc: prometheus.NewDesc("queue_depth", "Jobs waiting in a queue, read from Redis at scrape time.",
			[]string{"queue"}, nil),
	}
}

type queueDepth struct {
	pool   *redis.Pool
	ns     string
	queues []string
	desc   *prometheus.Desc
}

func (q *queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

// Collect reads every queue's length in one pipelined round trip; when Redis does not
// answer, the metric is left out of the scrape (its absence is the signal).
func (q *queueDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueDepthTimeout)
	defer cancel()
	conn, err := q.pool.GetContext(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	for _, name := range q.queues {
		if err := conn.Send("LLEN", q.ns+":jobs:"+name); err != nil {
			return
		}
	}
	if err := conn.Flush(); err != nil {
		return
	}
	for _, name := range q.queues {
		n, err := redis.Int64(redis.ReceiveContext(conn, ctx))
		if err != nil {
			return
		}
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, float64(n), name)
	}
}
