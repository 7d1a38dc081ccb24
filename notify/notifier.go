package notify

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Notifier aggregates dead letters by reason and posts one message per
// reason and window. Build it with New; call Notify from any goroutine and
// Run once.
type Notifier struct {
	cfg     Config
	client  *http.Client
	logger  *zap.Logger
	metrics *metrics
	host    string
	now     func() time.Time

	mu      sync.Mutex
	windows map[string]*window

	// wake signals Run that a window opened, so it re-arms its timer.
	wake chan struct{}
	// outbox queues closed windows' messages for the sender goroutine.
	outbox chan Message
}

// New returns a notifier of cfg. client posts the messages; nil uses a
// client without a timeout of its own, as Config.RequestTimeout bounds each
// post. Metrics are registered on reg.
func New(cfg Config, client *http.Client, logger *zap.Logger, reg prometheus.Registerer) (*Notifier, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{}
	}

	return &Notifier{
		cfg:     cfg,
		client:  client,
		logger:  logger,
		metrics: newMetrics(reg),
		host:    webhookHost(cfg.WebhookURL),
		now:     time.Now,
		windows: make(map[string]*window),
		wake:    make(chan struct{}, 1),
		outbox:  make(chan Message, cfg.QueueSize),
	}, nil
}

// Notify records one dead letter. It takes a mutex for an in-memory update
// and does no I/O. The message goes out when the reason's window closes.
func (n *Notifier) Notify(dl DeadLetter) {
	n.mu.Lock()
	w, ok := n.windows[dl.Reason]
	if !ok {
		now := n.now()
		w = &window{reason: dl.Reason, openedAt: now, closesAt: now.Add(n.cfg.Interval)}
		n.windows[dl.Reason] = w
	}
	w.add(dl, n.cfg.MaxSamples)
	n.mu.Unlock()

	if !ok {
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
}

// Run closes windows as they fall due and sends their messages until ctx
// ends. It then closes every open window at once and sends the remaining
// messages within Config.FlushTimeout. It always returns nil.
func (n *Notifier) Run(ctx context.Context) error {
	sendCtx, stopSending := context.WithCancel(context.Background())
	defer stopSending()

	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		for msg := range n.outbox {
			n.deliver(sendCtx, msg)
		}
	}()

	n.closeWindowsUntil(ctx)

	// Shutdown: every open window is sent now rather than lost.
	n.closeWindows(func(*window) bool { return true })
	close(n.outbox)

	flushTimer := time.NewTimer(n.cfg.FlushTimeout)
	defer flushTimer.Stop()
	select {
	case <-senderDone:
	case <-flushTimer.C:
		n.logger.Warn("notification flush timed out; abandoning the remaining messages", zap.Duration(keyWait, n.cfg.FlushTimeout))
		stopSending()
		<-senderDone
	}

	return nil
}

// closeWindowsUntil closes windows when they fall due until ctx ends.
func (n *Notifier) closeWindowsUntil(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()

	for {
		now := n.now()
		n.closeWindows(func(w *window) bool { return !w.closesAt.After(now) })

		wait, ok := n.untilNextClose(now)
		if !ok {
			wait = time.Hour
		}
		timer.Reset(wait)

		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-timer.C:
		}
	}
}

// untilNextClose returns the time from now to the earliest window close,
// and false when no window is open.
func (n *Notifier) untilNextClose(now time.Time) (time.Duration, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()

	var next time.Time
	for _, w := range n.windows {
		if next.IsZero() || w.closesAt.Before(next) {
			next = w.closesAt
		}
	}
	if next.IsZero() {
		return 0, false
	}

	return max(next.Sub(now), 0), true
}

// closeWindows removes the windows that due selects and queues their
// messages, in reason order.
func (n *Notifier) closeWindows(due func(*window) bool) {
	now := n.now()

	n.mu.Lock()
	var closed []*window
	for reason, w := range n.windows {
		if due(w) {
			closed = append(closed, w)
			delete(n.windows, reason)
		}
	}
	n.mu.Unlock()

	sort.Slice(closed, func(i, j int) bool { return closed[i].reason < closed[j].reason })
	for _, w := range closed {
		n.enqueue(w.message(now))
	}
}

// enqueue hands msg to the sender, or drops and counts it when the queue
// is full, so a webhook that is down never delays the caller.
func (n *Notifier) enqueue(msg Message) {
	select {
	case n.outbox <- msg:
	default:
		n.metrics.failed.Inc()
		n.logger.Error("notification queue full; message dropped",
			zap.String(keyReason, msg.Reason), zap.Int(keyCount, msg.Count), zap.String(keyText, msg.Text))
	}
}
