package notify

import (
	"fmt"
	"strings"
	"time"
)

// DeadLetter is the description of one dead letter in a notification.
type DeadLetter struct {
	// EntryID is the id of the dead letter's review-queue entry.
	EntryID string
	// Reason is the dead-letter reason, such as employee_not_found.
	Reason string
	// EventID, EmployeeID and CourseID identify the event; any may be empty
	// for a payload that could not be decoded.
	EventID    string
	EmployeeID string
	CourseID   string
}

// Message is one notification: the dead letters of one reason in one window.
type Message struct {
	Reason string
	// Count is the number of dead letters the message reports.
	Count int
	// Text is the message body as posted.
	Text string
}

// window collects the dead letters of one reason until it closes.
type window struct {
	reason   string
	openedAt time.Time
	closesAt time.Time
	count    int
	samples  []DeadLetter
}

// add counts dl and keeps it as a sample while there is room.
func (w *window) add(dl DeadLetter, maxSamples int) {
	w.count++
	if len(w.samples) < maxSamples {
		w.samples = append(w.samples, dl)
	}
}

// message builds the notification of the window, closed at closedAt.
func (w *window) message(closedAt time.Time) Message {
	var b strings.Builder

	noun := "events"
	if w.count == 1 {
		noun = "event"
	}
	fmt.Fprintf(&b, "%d training %s dead-lettered with reason %s in the last %s: ",
		w.count, noun, w.reason, formatSpan(closedAt.Sub(w.openedAt)))

	for i, dl := range w.samples {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(describe(dl))
	}
	if more := w.count - len(w.samples); more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}

	fmt.Fprintf(&b, ". Run `arenasync dlt list --reason %s` to review them.", w.reason)

	return Message{Reason: w.reason, Count: w.count, Text: b.String()}
}

// describe names one dead letter by employee and course, or by its
// review-queue entry when the payload had neither.
func describe(dl DeadLetter) string {
	switch {
	case dl.EmployeeID != "" && dl.CourseID != "":
		return dl.EmployeeID + " (" + dl.CourseID + ")"
	case dl.EmployeeID != "":
		return dl.EmployeeID
	case dl.EventID != "":
		return "event " + dl.EventID
	default:
		return "entry " + dl.EntryID
	}
}

// formatSpan writes a window length the short way: 5m, 1h, 90s, 300ms.
func formatSpan(d time.Duration) string {
	if d >= time.Second {
		d = d.Round(time.Second)
	} else {
		d = d.Round(10 * time.Millisecond)
	}

	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}

	return s
}
