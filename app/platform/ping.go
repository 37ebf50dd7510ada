package platform

import (
	"context"
	"fmt"

	"github.com/gomodule/redigo/redis"
)

// Ping sends PING on a connection of the pool, within ctx.
func (r *Redis) Ping(ctx context.Context) error {
	conn, err := r.Pool.GetContext(ctx)
	if err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	defer conn.Close()
	if _, err := redis.DoContext(conn, ctx, "PING"); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}
