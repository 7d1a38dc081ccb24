package notify

import "github.com/prometheus/client_golang/prometheus"

// Values of the channel label of arenasync_notifications_sent_total.
const (
	channelWebhook = "webhook"
	channelLog     = "log"
)

// metrics are the notifier's Prometheus collectors.
type metrics struct {
	sent           *prometheus.CounterVec
	failed         prometheus.Counter
	attemptsFailed prometheus.Counter
}

// newMetrics registers the notifier's collectors on reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "arenasync_notifications_sent_total",
			Help: "Dead-letter notifications delivered, by channel: webhook, or log when no webhook URL is configured.",
		}, []string{"channel"}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_notifications_failed_total",
			Help: "Dead-letter notifications given up: every post failed, the webhook rejected the message, or the send queue was full.",
		}),
		attemptsFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_notification_attempts_failed_total",
			Help: "Failed webhook posts, retried ones included.",
		}),
	}

	reg.MustRegister(m.sent, m.failed, m.attemptsFailed)

	return m
}
