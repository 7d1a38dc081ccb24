package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
)

// RecordReader reads Arena training records. *arena.Client implements it.
type RecordReader interface {
	GetRecord(ctx context.Context, requestID, trainingRecordID string) (arena.Record, error)
}

// fetchResult is the outcome of reading one record.
type fetchResult struct {
	id     string
	record arenaRecord
	err    error
}

// fetcher reads the Arena records of a run in parallel and saves each one
// in the run's checkpoint.
type fetcher struct {
	cfg      Config
	arena    RecordReader
	cp       *checkpoint
	logger   *zap.Logger
	progress func(done, total int)

	// reads counts the GET calls sent, retries included.
	reads atomic.Int64
}

// fetchAll returns the records of ids: those the checkpoint holds from an
// earlier part of the run, and the rest read from Arena with cfg.Workers
// calls at a time. On an interruption or on failed reads it returns the
// records read so far with an error wrapping ErrInterrupted or
// ErrArenaRead.
func (f *fetcher) fetchAll(ctx context.Context, ids []string) (map[string]arenaRecord, error) {
	records, err := f.cp.load(ctx)
	if err != nil {
		return nil, err
	}

	var todo []string
	for _, id := range ids {
		if _, ok := records[id]; !ok {
			todo = append(todo, id)
		}
	}
	total, done := len(ids), len(ids)-len(todo)
	f.logger.Info("reading arena records", zap.String(keyRunID, f.cp.id), zap.Int(keyRecords, total), zap.Int(keyCached, done))
	f.report(done, total)

	var failed int
	var firstErr error
	for res := range f.readParallel(ctx, todo) {
		if res.err != nil {
			failed++
			if firstErr == nil {
				firstErr = res.err
			}

			continue
		}
		records[res.id] = res.record
		done++
		f.report(done, total)
	}

	switch {
	case ctx.Err() != nil:
		return records, fmt.Errorf("%w after %d of %d Arena records; run it again to continue: %w", ErrInterrupted, done, total, ctx.Err())
	case failed > 0:
		return records, fmt.Errorf("%w: %d of %d failed, the first with: %w; the records read are kept, so running it again reads only the rest", ErrArenaRead, failed, total, firstErr)
	}

	return records, nil
}

// readParallel reads ids with cfg.Workers goroutines and closes the
// returned channel when every read finished or ctx ended.
func (f *fetcher) readParallel(ctx context.Context, ids []string) <-chan fetchResult {
	jobs := make(chan string)
	results := make(chan fetchResult, f.cfg.Workers)

	go func() {
		defer close(jobs)
		for _, id := range ids {
			select {
			case jobs <- id:
			case <-ctx.Done():
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range f.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				results <- f.readAndSave(ctx, id)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	return results
}

// readAndSave reads one record and saves it in the checkpoint. A failed
// save only means the record is read again if the run is interrupted.
func (f *fetcher) readAndSave(ctx context.Context, id string) fetchResult {
	rec, err := f.read(ctx, id)
	if err != nil {
		return fetchResult{id: id, err: err}
	}

	if err := f.cp.save(ctx, id, rec); err != nil {
		f.logger.Warn("saving a record in the reconciliation checkpoint failed; an interrupted run reads it again",
			zap.String(keyTrainingRecordID, id), zap.Error(err))
	}

	return fetchResult{id: id, record: rec}
}

// read gets one record, trying again after a retryable failure up to
// cfg.FetchAttempts times. Arena's 404 is a record that does not exist.
func (f *fetcher) read(ctx context.Context, id string) (arenaRecord, error) {
	backoff := f.cfg.FetchBackoff
	for attempt := 1; ; attempt++ {
		rec, err := f.arena.GetRecord(ctx, "reconcile-"+f.cp.id, id)
		if !errors.Is(err, arena.ErrNotAdmitted) {
			f.reads.Add(1)
		}

		switch {
		case err == nil:
			return arenaRecord{Found: true, Record: rec}, nil
		case arena.IsNotFound(err):
			return arenaRecord{Found: false}, nil
		case ctx.Err() != nil:
			return arenaRecord{}, ctx.Err()
		case !arena.IsRetryable(err) || attempt >= f.cfg.FetchAttempts:
			return arenaRecord{}, fmt.Errorf("read training record %s: %w", id, err)
		}

		wait := max(backoff, arena.RetryAfter(err))
		f.logger.Debug("reading an arena record failed; retrying", zap.String(keyTrainingRecordID, id),
			zap.Int(keyAttempt, attempt), zap.Duration(keyWait, wait), zap.Error(err))
		if err := sleep(ctx, wait); err != nil {
			return arenaRecord{}, err
		}
		backoff *= 2
	}
}

// report calls the progress function, if any.
func (f *fetcher) report(done, total int) {
	if f.progress != nil {
		f.progress(done, total)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
