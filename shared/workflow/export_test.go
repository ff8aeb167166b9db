package workflow

import "time"

// SetClock replaces a store's clock, so tests can step past its caches.
func (k *KeyStore) SetClock(now func() time.Time) { k.now = now }
