package dev

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
)

// stepTimeout bounds one shutdown step. The worker's step can take its
// shutdown grace plus the time to leave the consumer groups.
const stepTimeout = 30 * time.Second

// stopStep is one part to stop.
type stopStep struct {
	name string
	stop func(ctx context.Context) error
	once sync.Once
	err  error
}

// run stops the part once; later calls return the first result.
func (s *stopStep) run(logger *zap.Logger) error {
	s.once.Do(func() {
		logger.Info("stopping", zap.String(keyPart, s.name))
		started := time.Now()

		ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
		defer cancel()

		done := make(chan error, 1)
		go func() { done <- s.stop(ctx) }()

		select {
		case s.err = <-done:
		case <-ctx.Done():
			s.err = fmt.Errorf("%s did not stop within %s", s.name, stepTimeout)
		}

		if s.err != nil {
			logger.Warn("stopping failed", zap.String(keyPart, s.name), zap.Error(s.err))

			return
		}
		logger.Info("stopped", zap.String(keyPart, s.name), zap.Duration(keyElapsed, time.Since(started)))
	})

	return s.err
}

// stopper stops the parts of a run in the reverse order of their start.
type stopper struct {
	logger *zap.Logger
	steps  []*stopStep
}

// push adds a part to stop and returns a function that stops it ahead of
// the others; stopping twice runs stop once.
func (s *stopper) push(name string, stop func(ctx context.Context) error) func() error {
	step := &stopStep{name: name, stop: stop}
	s.steps = append(s.steps, step)

	return func() error { return step.run(s.logger) }
}

// stopAll stops every part, newest first, and returns their errors joined.
func (s *stopper) stopAll() error {
	var errs []error
	for i := len(s.steps) - 1; i >= 0; i-- {
		errs = append(errs, s.steps[i].run(s.logger))
	}

	return errors.Join(errs...)
}
