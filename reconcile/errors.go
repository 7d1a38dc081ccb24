package reconcile

import "errors"

// Sentinel errors of the reconciliation. Errors wrap them with the value
// concerned and what to do next.
var (
	// ErrInvalidConfig is wrapped by Config.Validate and ParseTimeOfDay.
	ErrInvalidConfig = errors.New("invalid reconciliation config")
	// ErrRunning is returned by Reconciler.Run while another process holds
	// the run lock.
	ErrRunning = errors.New("another reconciliation is running")
	// ErrInterrupted is returned by Reconciler.Run when its context ended
	// before the comparison; the next run continues where it stopped.
	ErrInterrupted = errors.New("reconciliation interrupted")
	// ErrArenaRead is returned by Reconciler.Run when Arena records could
	// not be read; the next run reads only those not read yet.
	ErrArenaRead = errors.New("arena records could not be read")
	// ErrRepair is returned by Reconciler.Run, together with the report,
	// when some repairs could not be written to Kafka.
	ErrRepair = errors.New("repair failed")
	// ErrNoReport is returned by LastReport when no run has finished yet.
	ErrNoReport = errors.New("no reconciliation report stored")
	// ErrExportHeader is returned by ReadExport when the LMS export has no
	// header row or lacks a required column.
	ErrExportHeader = errors.New("invalid LMS export header")
	// ErrFormat is returned by ParseFormat for an unknown output format.
	ErrFormat = errors.New("unknown report format")
)
