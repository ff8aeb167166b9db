package dispatch

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// Limits of the dispatch inputs. A lease is MinLease to job.MaxLease.
const (
	MaxWorkerLen   = 128
	MaxMessageLen  = 1024
	MinLease       = 30 * time.Second
	minLeaseSecond = int64(MinLease / time.Second)
	maxLeaseSecond = int64(job.MaxLease / time.Second)
)

// lockView is the lock as a dispatcher sees it.
type lockView struct {
	Epoch          int64     `json:"epoch"`
	LeaseExpiresAt time.Time `json:"leaseExpiresAt"`
}

func viewLock(j *job.Job) lockView {
	return lockView{Epoch: j.Lock.Epoch, LeaseExpiresAt: j.Lock.LeaseExpiresAt}
}

// lease turns an optional leaseSeconds into a duration (default
// job.DefaultLease).
func lease(seconds *int64) (time.Duration, error) {
	if seconds == nil {
		return job.DefaultLease, nil
	}
	if *seconds < minLeaseSecond || *seconds > maxLeaseSecond {
		return 0, apperr.E(apperr.Invalid, "leaseSeconds must be between %d and %d, got %d", minLeaseSecond, maxLeaseSecond, *seconds)
	}
	return time.Duration(*seconds) * time.Second, nil
}

// jobID is the {id} of the path, checked.
func jobID(r *http.Request) (ids.JobID, error) {
	return ids.ParseJobID(r.PathValue("id"))
}

// decodeHolderCall reads what every call of a lock holder starts with: the
// job id of the path, the JSON body into req, and the required epoch that
// decoding stored in *epoch.
func decodeHolderCall(r *http.Request, req any, epoch **int64) (id ids.JobID, e int64, err error) {
	if id, err = jobID(r); err != nil {
		return "", 0, err
	}
	if err = httpapi.Decode(r, req); err != nil {
		return "", 0, err
	}
	if e, err = epochOf(*epoch); err != nil {
		return "", 0, err
	}
	return id, e, nil
}

// epochOf checks a required epoch.
func epochOf(epoch *int64) (int64, error) {
	if epoch == nil {
		return 0, apperr.E(apperr.Invalid, "epoch is required: the epoch of your claim")
	}
	if *epoch < 1 {
		return 0, apperr.E(apperr.Invalid, "epoch must be at least 1, got %d", *epoch)
	}
	return *epoch, nil
}

// queryEpoch reads ?epoch=N.
func queryEpoch(r *http.Request) (int64, error) {
	raw := r.URL.Query().Get("epoch")
	if raw == "" {
		return 0, apperr.E(apperr.Invalid, "query parameter epoch is required: the epoch of your claim")
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, apperr.E(apperr.Invalid, "query parameter epoch must be an integer")
	}
	return epochOf(&n)
}

// checkText refuses text over max characters or not UTF-8, and control
// characters other than tab and newline.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return apperr.E(apperr.Invalid, "%s must be UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return apperr.E(apperr.Invalid, "%s must be at most %d characters, got %d", field, max, n)
	}
	for _, c := range s {
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return apperr.E(apperr.Invalid, "%s must not hold control characters", field)
		}
	}
	return nil
}
