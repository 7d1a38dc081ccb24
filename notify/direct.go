package notify

// Send queues msg for the webhook as it is, outside the dead-letter
// windows, for notifications that are not dead letters, such as the
// differences a reconciliation found. Like Notify it does no I/O: the
// sender goroutine of Run posts msg with the same retries, and a full
// queue drops and counts it.
// NOTE: the sender's log lines and the help of its metrics call every
// message a dead-letter notification, including those sent here.
func (n *Notifier) Send(msg Message) {
	n.enqueue(msg)
}
