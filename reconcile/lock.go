package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// renewScript extends a lock only while it still holds the caller's owner value.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

// releaseScript deletes a lock only while it still holds the caller's owner value.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// runLock is the Redis lock that lets one reconciliation run at a time.
type runLock struct {
	client redis.UniversalClient
	key    string
	owner  string
	ttl    time.Duration
	logger *zap.Logger

	cancel context.CancelFunc
	done   chan struct{}
}

// acquireLock takes the lock for owner and keeps renewing it. The returned
// context ends when ctx ends or the lock is lost. It returns an error
// wrapping ErrRunning when another owner holds the lock.
func acquireLock(ctx context.Context, client redis.UniversalClient, key, owner string, ttl time.Duration, logger *zap.Logger) (*runLock, context.Context, error) {
	acquired, err := client.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("take the reconciliation lock %s: %w", key, err)
	}
	if !acquired {
		holder, _ := client.Get(ctx, key).Result()

		return nil, nil, fmt.Errorf("%w: %s holds the lock %s: wait for that run to finish, or delete the key if that process stopped (the key expires %s after its last renewal)",
			ErrRunning, holder, key, ttl)
	}

	lockCtx, cancel := context.WithCancel(ctx)
	l := &runLock{client: client, key: key, owner: owner, ttl: ttl, logger: logger, cancel: cancel, done: make(chan struct{})}
	go l.renew(lockCtx)

	return l, lockCtx, nil
}

// renew extends the lock every third of its TTL until ctx ends. A lock
// found taken by another owner cancels ctx, so the run stops.
func (l *runLock) renew(ctx context.Context) {
	defer close(l.done)

	ticker := time.NewTicker(l.ttl / 3)
	defer ticker.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}

		renewed, err := renewScript.Run(ctx, l.client, []string{l.key}, l.owner, l.ttl.Milliseconds()).Int()
		switch {
		case err != nil && ctx.Err() == nil:
			l.logger.Warn("renewing the reconciliation lock failed; retrying", zap.Error(err))
		case err == nil && renewed == 0:
			l.logger.Error("the reconciliation lock was taken over by another process; stopping this run", zap.String(keyLock, l.key))
			l.cancel()

			return
		}
	}
}

// release stops the renewal and deletes the lock if it is still ours.
func (l *runLock) release() {
	l.cancel()
	<-l.done

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := releaseScript.Run(ctx, l.client, []string{l.key}, l.owner).Err(); err != nil {
		l.logger.Warn("releasing the reconciliation lock failed; it expires by itself", zap.String(keyLock, l.key), zap.Error(err))
	}
}
