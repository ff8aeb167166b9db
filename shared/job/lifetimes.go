package job

import "time"

// How long the signed URLs of a job work. Each URL is signed for its
// window and no longer: a leaked URL stops working when its window ends.
const (
	// UploadWindow is how long a job waits for its workspace after it is
	// submitted (UploadDeadline), and the longest a workspace upload URL
	// works.
	UploadWindow = time.Hour
	// DownloadWindow is how long a download URL of a job's output or
	// attestation works.
	DownloadWindow = time.Hour
)

// UploadLeft is how long a workspace upload URL signed at now works: what
// is left of the upload window, in whole seconds (UploadWindow at most).
func (j *Job) UploadLeft(now time.Time) time.Duration {
	return min(UploadWindow, j.UploadDeadline.Sub(now)).Truncate(time.Second)
}

// BundleLeft is how long the URLs of a claim's auth bundle signed at now
// work: until the job's deadline (DefaultTimeout from now when it has
// none), in whole seconds, at least one second. Signers cap it at what
// they can sign (signer.MaxTTL).
func (j *Job) BundleLeft(now time.Time) time.Duration {
	deadline := j.Deadline
	if deadline.IsZero() {
		deadline = now.Add(DefaultTimeout)
	}
	return max(deadline.Sub(now).Truncate(time.Second), time.Second)
}
