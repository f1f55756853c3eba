package sdk

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/facecluster/facecluster/internal/devdata"
)

// The crash test re-executes the test binary as a child (crashChild, run
// from TestMain when envCrashChild names an album) that adds, forgets and
// merges photos and prints a line after each acknowledged call; the parent
// kills it with SIGKILL at a random moment, reopens the album and checks
// that every acknowledged change is there and nothing else is.
const (
	envCrashChild  = "FACECLUSTER_CRASH_CHILD"
	envCrashSeed   = "FACECLUSTER_CRASH_SEED"
	envCrashCycles = "FACECLUSTER_CRASH_CYCLES"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(envCrashChild); path != "" {
		seed, _ := strconv.ParseUint(os.Getenv(envCrashSeed), 10, 64)
		if err := crashChild(path, seed); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func say(format string, args ...any) {
	// One write per line, unbuffered: a line read by the parent was
	// printed after the call returned.
	os.Stdout.WriteString(fmt.Sprintf(format, args...) + "\n")
}

func crashChild(path string, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 99))
	a, err := OpenAlbum(path, testKey, WithConsent(true), WithRefineEvery(6))
	if err != nil {
		return err
	}
	say("open")
	ctx := context.Background()
	photos, err := a.Photos()
	if err != nil {
		return err
	}
	if len(photos) > 40 { // keep the album small: forget the oldest
		old := photos[:len(photos)-20]
		for _, id := range old {
			say("F? %s", id)
		}
		if err := a.Forget(ctx, old...); err != nil {
			return err
		}
		for _, id := range old {
			say("F %s", id)
		}
		photos = photos[len(photos)-20:]
	}
	for i := 0; ; i++ {
		switch k := r.IntN(10); {
		case k == 0 && len(photos) > 0:
			j := r.IntN(len(photos))
			id := photos[j]
			say("F? %s", id)
			if err := a.Forget(ctx, id); err != nil {
				return err
			}
			say("F %s", id)
			photos = slices.Delete(photos, j, j+1)
		case k == 1:
			ps, err := a.People()
			if err != nil {
				return err
			}
			if len(ps) >= 2 {
				x, y := ps[r.IntN(len(ps))].ID, ps[r.IntN(len(ps))].ID
				if err := a.Merge(x, y); err != nil && !isAny(err, ErrConflict) {
					return err
				}
				say("M")
			}
		default:
			id := fmt.Sprintf("s%d-%d", seed, i)
			say("A? %s", id)
			if _, err := a.AddFeatures(ctx, id, crashFaces(id)); err != nil {
				return err
			}
			say("A %s", id)
			photos = append(photos, id)
		}
	}
}

// crashFaces returns the faces of photo id: 0 to 3 of 8 people, derived
// from the ID.
func crashFaces(id string) []FaceFeature {
	h := fnv.New64a()
	h.Write([]byte(id))
	v := h.Sum64()
	n := int(v % 4)
	people := make([]int, n)
	for i := range people {
		people[i] = int(v>>(8+4*i)) % 8
	}
	return photoFaces(id, people...)
}

func crashCycles(t *testing.T) int {
	if s := os.Getenv(envCrashCycles); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive count", envCrashCycles, s)
		}
		return n
	}
	if devdata.Slow() {
		return 40
	}
	return 220
}

func TestCrashSafety(t *testing.T) {
	cycles := crashCycles(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := tempAlbum(t)
	openTest(t, path).Close()
	present := map[string]bool{} // photos the album must hold
	start := time.Now()
	budget := 4 * time.Minute // a hard stop, whatever the machine, unless a count is asked for
	if os.Getenv(envCrashCycles) != "" {
		budget = 24 * time.Hour
	}
	r := rand.New(rand.NewPCG(1, 2))
	var kills, acks, forgets int
	phase := map[string]int{} // where the kills hit: opening, adding, forgetting, "" elsewhere
	maxDelay := 20 * time.Millisecond
	openTime := 20 * time.Millisecond // how long a child takes to open the album
	for cycle := 0; cycle < cycles; cycle++ {
		if time.Since(start) > budget {
			t.Logf("stopping after %d cycles: the %v budget is spent", cycle, budget)
			break
		}
		seed := uint64(cycle + 1)
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), envCrashChild+"="+path, envCrashSeed+"="+strconv.FormatUint(seed, 10))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string)
		opened := make(chan struct{})
		go func() {
			var ls []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if len(ls) == 0 {
					close(opened)
				}
				ls = append(ls, sc.Text())
			}
			lines <- ls
		}()
		// Kill at a random moment: one cycle in eight from the start, so
		// while opening (which may redo an interrupted wipe); the others
		// once the album is open, so while adding, forgetting, merging.
		// Timing from the "open" line keeps the kills meaningful on slow
		// (emulated) machines.
		began := time.Now()
		delay := time.Duration(r.Int64N(int64(maxDelay)))
		if cycle%8 != 0 {
			select {
			case <-opened:
				openTime = (3*openTime + time.Since(began)) / 4
			case <-time.After(30 * time.Second):
			}
		} else {
			delay = time.Duration(r.Int64N(int64(openTime)*3/2 + 1))
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		ls := <-lines
		werr := cmd.Wait()
		if ee, ok := werr.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("cycle %d: child ended with %v, not by the kill: %s", cycle, werr, stderr.String())
		}
		kills++
		// What the child acknowledged.
		maybe := map[string]bool{}
		for _, l := range ls {
			op, id, _ := strings.Cut(l, " ")
			switch op {
			case "A?", "F?":
				maybe[id] = true
			case "A":
				present[id] = true
				delete(maybe, id)
				acks++
			case "F":
				delete(present, id)
				delete(maybe, id)
				forgets++
			}
		}
		switch last := ""; {
		case len(ls) == 0:
			phase["opening"]++
		default:
			last, _, _ = strings.Cut(ls[len(ls)-1], " ")
			phase[map[string]string{"A?": "adding", "F?": "forgetting"}[last]]++
		}
		a, err := OpenAlbum(path, testKey, WithConsent(true))
		if err != nil {
			t.Fatalf("cycle %d (killed after %v, %d lines): reopen: %v", cycle, delay, len(ls), err)
		}
		got, err := a.Photos()
		if err != nil {
			t.Fatal(err)
		}
		gotSet := map[string]bool{}
		for _, id := range got {
			gotSet[id] = true
			if !present[id] && !maybe[id] {
				t.Fatalf("cycle %d: photo %s is in the album but was never acknowledged", cycle, id)
			}
			checkCrashPhoto(t, a, id)
		}
		for id := range present {
			if !gotSet[id] && !maybe[id] {
				t.Fatalf("cycle %d: acknowledged photo %s is missing", cycle, id)
			}
		}
		// The album as found is the truth from here on.
		present = gotSet
		for _, side := range []string{suffixCompact, suffixNew, suffixDestroy} {
			if _, err := os.Stat(path + side); err == nil {
				t.Fatalf("cycle %d: %s left after OpenAlbum", cycle, side)
			}
		}
		a.Close()
		// Aim the kills at a few calls in: stretch the window while the
		// child rarely gets that far, shrink it when it gets far.
		switch {
		case len(ls) < 6 && maxDelay < 2*time.Second:
			maxDelay += maxDelay / 8
		case len(ls) > 60 && maxDelay > 5*time.Millisecond:
			maxDelay -= maxDelay / 8
		}
	}
	t.Logf("%d kill cycles in %v: %d acknowledged adds, %d acknowledged forgets; killed while opening %d, adding %d, forgetting %d, between calls %d",
		kills, time.Since(start).Round(time.Millisecond), acks, forgets, phase["opening"], phase["adding"], phase["forgetting"], phase[""])
	if kills < min(cycles, 20) {
		t.Errorf("only %d kill cycles", kills)
	}
}

// checkCrashPhoto checks that photo id holds exactly the faces crashFaces
// gives it.
func checkCrashPhoto(t *testing.T, a *Album, id string) {
	t.Helper()
	want := crashFaces(id)
	a.mu.RLock()
	defer a.mu.RUnlock()
	ph := a.m.photos[id]
	if len(ph.faces) != len(want) {
		t.Fatalf("photo %s has %d faces, want %d", id, len(ph.faces), len(want))
	}
	for i, f := range ph.faces {
		if !slices.Equal(f.rec.Vector, want[i].Feature.Vector) || f.rec.Box != want[i].Face.Box {
			t.Fatalf("photo %s face %d differs from what was added", id, i)
		}
	}
}
