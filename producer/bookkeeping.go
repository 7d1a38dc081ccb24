package producer

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/pipeline"
)

// maxBookkeepingBatch bounds the jobs that one worker takes together, so
// the pipelines of one Remember and one Accepted stay small requests and
// one Redis failure touches few jobs.
const maxBookkeepingBatch = 64

// Reasons of arenasync_ingest_bookkeeping_inline_total.
const (
	inlineQueueFull = "queue_full"
	inlineStopped   = "stopped"
)

// Results of arenasync_ingest_bookkeeping_jobs_total.
const (
	jobDone      = "done"
	jobFailed    = "failed"
	jobAbandoned = "abandoned"
)

// bookkeepingJob is the bookkeeping of one accepted webhook.
type bookkeepingJob struct {
	// log is the request's logger, so the warnings of a job run inline
	// carry its request id. A batch logs with the server's logger.
	log *zap.Logger
	// accepted contains the events with the metadata of their records.
	// Meta.AcceptedAt is the time ingest accepted each of them.
	accepted []pipeline.Envelope
	ids      []string
}

// newBookkeepingJob builds the job of events after Kafka acknowledged
// their records msgs, where msgs[i] is the record of events[i].
func newBookkeepingJob(log *zap.Logger, events []pipeline.Event, ids []string, msgs []kafka.Message) bookkeepingJob {
	accepted := make([]pipeline.Envelope, len(events))
	for i, e := range events {
		accepted[i].Event = e
		if i < len(msgs) {
			accepted[i].Meta = pipeline.DecodeMeta(msgs[i].Headers)
		}
	}

	return bookkeepingJob{log: log, accepted: accepted, ids: ids}
}

// bookkeeper runs the bookkeeping of accepted webhooks after their 202:
// Deduplicator.Remember and AcceptanceRecorder.Accepted, both Redis writes.
// A bounded queue feeds a few worker goroutines. A worker that finds
// several jobs queued remembers all their ids in one Remember call and
// records all their events in one Accepted call. With store.Deliveries and
// ledger.Recorder each call is one Redis round trip, however many jobs the
// batch holds. When either call fails, every job of the batch counts as
// failed. A request that finds the queue full, or the bookkeeper stopped,
// does its bookkeeping before it responds, so nothing is dropped.
//
// Running after the response is safe for three reasons:
//   - A job is queued only after Kafka acknowledged its events, so an id
//     is never remembered before its event is durable. Claiming the id
//     before the write would lose the event whenever the write failed and
//     releasing the claim failed too.
//   - Remembering a moment later only widens the window in which a
//     repeated delivery is written to Kafka twice, which the consumers
//     make harmless. Within this Server the ids of queued jobs count as
//     seen (see pendingIDs), so only other ingest instances see the wider
//     window.
//   - The ledger keeps a later outcome of the same event when an
//     acceptance arrives after it (ledger.Store.PutAll), so a worker that
//     finished the event first is not overwritten.
//
// A job that is lost, because the process crashed or the drain on
// shutdown ran out of time, costs the same: a possible duplicate and a
// ledger entry that appears once a worker handles the event.
type bookkeeper struct {
	dedupe     Deduplicator
	acceptance AcceptanceRecorder
	metrics    *metrics
	log        *zap.Logger
	// timeout bounds each Redis step of a background job, as the request
	// deadline bounds the steps of an inline job.
	timeout time.Duration
	pending *pendingIDs

	// mu guards closed and every send on jobs, so no send reaches a
	// closed channel.
	mu     sync.RWMutex
	closed bool
	jobs   chan bookkeepingJob

	// stop is cancelled when the drain runs out of time. Workers then
	// abandon the jobs left in the queue.
	stop      context.Context
	cancel    context.CancelFunc
	workers   sync.WaitGroup
	abandoned atomic.Int64
}

// newBookkeeper builds the bookkeeper and starts its workers, unless
// neither a Deduplicator nor an AcceptanceRecorder is set and there is
// nothing to do.
func newBookkeeper(cfg Config, log *zap.Logger, m *metrics, dedupe Deduplicator, acceptance AcceptanceRecorder) *bookkeeper {
	stop, cancel := context.WithCancel(context.Background())
	b := &bookkeeper{
		dedupe:     dedupe,
		acceptance: acceptance,
		metrics:    m,
		log:        log,
		timeout:    cfg.RequestTimeout,
		pending:    newPendingIDs(),
		jobs:       make(chan bookkeepingJob, cfg.BookkeepingQueue),
		stop:       stop,
		cancel:     cancel,
	}
	m.bookkeepingCapacity.Set(float64(cfg.BookkeepingQueue))
	if !b.active() {
		return b
	}

	for range cfg.BookkeepingWorkers {
		b.workers.Add(1)
		go b.work()
	}

	return b
}

// active reports whether accepted webhooks need any bookkeeping.
func (b *bookkeeper) active() bool {
	return b.dedupe != nil || b.acceptance != nil
}

// submit queues job, or runs it with the request's ctx when the queue is
// full or stopped. A job without events has nothing to do.
func (b *bookkeeper) submit(ctx context.Context, job bookkeepingJob) {
	if !b.active() || len(job.ids) == 0 {
		return
	}

	reason := b.enqueue(job)
	if reason == "" {
		return
	}

	b.metrics.bookkeepingInline.WithLabelValues(reason).Inc()
	b.runInline(ctx, job)
}

// enqueue hands job to the workers without waiting. It returns "" when the
// job was queued and the reason to run it inline otherwise.
func (b *bookkeeper) enqueue(job bookkeepingJob) string {
	b.mu.RLock()
	defer b.mu.RUnlock()

	if b.closed {
		return inlineStopped
	}

	// The ids count as seen before a worker can take the job and remove
	// them again.
	if b.dedupe != nil {
		b.pending.add(job.ids)
	}
	b.metrics.bookkeepingQueued.Inc()

	select {
	case b.jobs <- job:
		return ""
	default:
		b.metrics.bookkeepingQueued.Dec()
		if b.dedupe != nil {
			b.pending.remove(job.ids)
		}

		return inlineQueueFull
	}
}

// runInline does the bookkeeping of job before the response.
func (b *bookkeeper) runInline(ctx context.Context, job bookkeepingJob) {
	remembered := b.remember(ctx, job.log, job.ids)
	recorded := b.recordAccepted(ctx, job.log, job.accepted)

	b.countResults(1, remembered && recorded)
}

// work takes jobs until the queue is closed and drained.
func (b *bookkeeper) work() {
	defer b.workers.Done()

	for job := range b.jobs {
		batch := b.collect(job)
		b.metrics.bookkeepingQueued.Sub(float64(len(batch)))

		if b.stop.Err() != nil {
			b.abandon(batch)

			continue
		}
		b.runBatch(batch)
	}
}

// collect returns first and the jobs queued behind it, at most
// maxBookkeepingBatch in all, without waiting for more.
func (b *bookkeeper) collect(first bookkeepingJob) []bookkeepingJob {
	batch := []bookkeepingJob{first}
	for len(batch) < maxBookkeepingBatch {
		select {
		case job, ok := <-b.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, job)
		default:
			return batch
		}
	}

	return batch
}

// runBatch remembers the ids of every job in one Remember call, then
// records the events of every job in one Accepted call.
func (b *bookkeeper) runBatch(batch []bookkeepingJob) {
	b.metrics.bookkeepingBatches.Inc()

	var ids []string
	var accepted []pipeline.Envelope
	for _, job := range batch {
		ids = append(ids, job.ids...)
		accepted = append(accepted, job.accepted...)
	}

	remembered := b.withTimeout(func(ctx context.Context) bool { return b.remember(ctx, b.log, ids) })
	if b.dedupe != nil {
		b.pending.remove(ids)
	}

	recorded := b.withTimeout(func(ctx context.Context) bool { return b.recordAccepted(ctx, b.log, accepted) })
	b.countResults(len(batch), remembered && recorded)
}

// withTimeout runs step with a context that ends after the bookkeeping
// timeout or when the drain runs out of time.
func (b *bookkeeper) withTimeout(step func(ctx context.Context) bool) bool {
	ctx, cancel := context.WithTimeout(b.stop, b.timeout)
	defer cancel()

	return step(ctx)
}

// countResults counts a number of finished jobs that share one result.
func (b *bookkeeper) countResults(jobs int, ok bool) {
	result := jobDone
	if !ok {
		result = jobFailed
	}
	b.metrics.bookkeepingJobs.WithLabelValues(result).Add(float64(jobs))
}

// abandon counts the jobs of batch as not done.
func (b *bookkeeper) abandon(batch []bookkeepingJob) {
	b.abandoned.Add(int64(len(batch)))
	b.metrics.bookkeepingJobs.WithLabelValues(jobAbandoned).Add(float64(len(batch)))
}

// drain stops the queue, so later jobs run inline, and waits until the
// workers have done every queued job or ctx ends. When ctx ends first the
// workers abandon the jobs still queued, and drain logs how many.
func (b *bookkeeper) drain(ctx context.Context) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()

		return
	}
	b.closed = true
	queued := len(b.jobs)
	close(b.jobs)
	b.mu.Unlock()

	if !b.active() {
		b.cancel()

		return
	}

	finished := make(chan struct{})
	go func() {
		b.workers.Wait()
		close(finished)
	}()

	select {
	case <-finished:
	case <-ctx.Done():
		// Cancelling stop also ends the Redis calls of a batch in
		// progress, so the workers return soon.
		b.cancel()
		<-finished
	}
	b.cancel()

	if n := b.abandoned.Load(); n > 0 {
		b.log.Warn("bookkeeping jobs not done before the shutdown timeout: a repeated delivery of their events may be written again, and their ledger entries appear once a worker handles the events",
			zap.Int64(keyJobs, n))

		return
	}
	b.log.Info("bookkeeping queue drained", zap.Int(keyJobs, queued))
}
