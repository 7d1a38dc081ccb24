package dev

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/store"
)

// redisClockStep is how often the embedded Redis clock moves on. miniredis
// expires keys only when its clock is moved, so without this the TTLs of
// locks and de-duplication keys would never run out.
const redisClockStep = time.Second

// startRedis returns the store configuration of the run: the outside Redis
// of the options with a key prefix of its own, or an embedded Redis on
// 127.0.0.1.
func (s *starter) startRedis() (store.Config, error) {
	if s.opts.Redis.Addr != "" {
		cfg := s.opts.Redis
		cfg.Prefix += "dev:" + s.runID + ":"
		s.logger.Info("using outside Redis", zap.String(keyAddr, cfg.Addr), zap.String(keyPrefix, cfg.Prefix))

		return cfg, nil
	}

	server := miniredis.NewMiniRedis()
	if err := server.StartAddr("127.0.0.1:0"); err != nil {
		return store.Config{}, fmt.Errorf("start the embedded Redis: %w", err)
	}

	clockDone := make(chan struct{})
	clockStopped := make(chan struct{})
	go advanceClock(server, clockDone, clockStopped)

	s.stops.push("embedded Redis", func(context.Context) error {
		close(clockDone)
		<-clockStopped
		server.Close()

		return nil
	})
	s.logger.Info("embedded Redis started", zap.String(keyAddr, server.Addr()))

	return store.Config{Addr: server.Addr(), Prefix: s.opts.Redis.Prefix}, nil
}

// advanceClock moves the embedded Redis clock with the wall clock until done
// closes.
func advanceClock(server *miniredis.Miniredis, done <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)

	ticker := time.NewTicker(redisClockStep)
	defer ticker.Stop()

	for {
		select {
		case <-done:
			return
		case <-ticker.C:
			server.FastForward(redisClockStep)
		}
	}
}
