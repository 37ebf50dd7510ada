package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// startPeakMemory starts measuring the process's peak memory and returns a function that
// stops and returns it in bytes. Where Linux offers it, that is the peak resident set
// size (VmHWM of /proc/self/status, reset first through /proc/self/clear_refs); elsewhere
// the peak of the memory the Go runtime holds, sampled every 5 ms. Garbage is collected
// and returned to the OS first so the peak covers what happens from now on.
func startPeakMemory() func() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	if resetHWM() {
		return func() uint64 {
			if v, ok := readHWM(); ok {
				return v
			}
			return 0
		}
	}
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var peak atomic.Uint64
	read := func() {
		metrics.Read(samples)
		if v := samples[0].Value.Uint64() - samples[1].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(stop)
		wg.Wait()
		return peak.Load()
	}
}

// resetHWM resets the peak RSS of this process to its current RSS.
func resetHWM() bool {
	if _, ok := readHWM(); !ok {
		return false
	}
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// readHWM reads VmHWM, the peak resident set size, from /proc/self/status.
func readHWM() (uint64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("VmHWM:")) {
			continue
		}
		fields := bytes.Fields(line[len("VmHWM:"):])
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseUint(string(fields[0]), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}
