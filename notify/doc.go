// Package notify informs training administrators about dead letters through
// an incoming webhook, such as a Slack or Microsoft Teams channel. Each
// message is a JSON object {"text": "..."}, the payload both services accept.
//
// # Aggregation
//
// Messages are grouped by dead-letter reason. The first dead letter of a
// reason opens a window of Config.Interval, and every dead letter of that
// reason within the window goes into one message, sent when the window
// closes. So a flood of 500 dead letters yields one message with the count
// 500, and a single dead letter reaches the administrators at most one
// interval after it arrived. Sending at the end of the window rather than at
// once keeps the first message of a flood from being a misleading "1".
//
// # Delivery
//
// Notify only records the dead letter in memory and does no I/O. A sender
// goroutine posts the messages, retrying network errors, 408, 429 and 5xx
// responses with exponential backoff up to Config.MaxAttempts, and gives up
// on other responses at once. Every message is logged, whether or not it was
// delivered. Without a webhook URL, messages are only logged and counted.
//
// Notifications are best effort: open windows are sent when Run stops, but
// a crash loses them. The review queue, not the notification, is the
// durable record of a dead letter.
//
// The webhook URL contains the channel's credentials, so logs and errors
// name only its host.
package notify
