package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/facecluster/facecluster/sdk"
)

// albumFlags adds -album (and -root) to a subcommand's flags.
func albumFlags(fs interface {
	String(name, value, usage string) *string
}) (album, root *string) {
	album = fs.String("album", "", "album file, or the photo folder holding .facecluster (default: the current directory)")
	root = fs.String("root", "", "the photo folder the album's paths are relative to (default: the folder holding .facecluster)")
	return
}

func cmdPeople(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("people", stderr, "[flags]")
	albumF, rootF := albumFlags(fs)
	faces := fs.Bool("faces", false, "show each photo's face ID (for reject)")
	jsonOut := fs.String("json", "", "also write the JSON report to this file")
	htmlOut := fs.String("html", "", "also write the HTML page to this file (decodes the photos again for thumbnails)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	p, err := resolveAlbum(*albumF, *rootF)
	if err != nil {
		return err
	}
	a, err := openAlbum(p, false)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := buildReport(a, p.root, nil)
	if err != nil {
		return err
	}
	printTable(stdout, rep, *faces)
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, rep); err != nil {
			return err
		}
	}
	if *htmlOut != "" {
		var th thumbs
		fillThumbs(rep, &th, runtime.GOMAXPROCS(0))
		return writeFileAtomic(*htmlOut, func(w io.Writer) error { return writeHTML(w, rep, &th) })
	}
	return nil
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr, "[flags]")
	albumF, rootF := albumFlags(fs)
	out := fs.String("o", "", "write to this file (0600) instead of standard output")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	p, err := resolveAlbum(*albumF, *rootF)
	if err != nil {
		return err
	}
	a, err := openAlbum(p, false)
	if err != nil {
		return err
	}
	defer a.Close()
	if *out == "" {
		return a.Export(ctx, stdout)
	}
	return writeFileAtomic(*out, func(w io.Writer) error { return a.Export(ctx, w) })
}

func cmdForget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("forget", stderr, "[flags] PHOTO...")
	albumF, rootF := albumFlags(fs)
	pos, err := parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	p, err := resolveAlbum(*albumF, *rootF)
	if err != nil {
		return err
	}
	a, err := openAlbum(p, false)
	if err != nil {
		return err
	}
	defer a.Close()
	ids := make([]string, len(pos))
	for i, ph := range pos {
		ids[i] = photoID(a, p.root, ph)
	}
	if err := a.Forget(ctx, ids...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "forgot %d photos: their faces and features are gone from the album file\n", len(ids))
	return nil
}

// photoID maps a command-line photo to its album ID: as the album lists
// it, or a path to the file (made relative to the photo folder).
func photoID(a *sdk.Album, root, arg string) string {
	if _, err := a.Photo(arg); err == nil {
		return arg
	}
	if abs, err := filepath.Abs(arg); err == nil {
		if r, err := filepath.Abs(root); err == nil {
			if rel, err := filepath.Rel(r, abs); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.ToSlash(rel)
			}
		}
	}
	return filepath.ToSlash(arg)
}

func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return withAlbum("merge", "[flags] PERSON PERSON", 2, args, stderr, func(a *sdk.Album, pos []string) error {
		pa, err := findPerson(a, pos[0])
		if err != nil {
			return err
		}
		pb, err := findPerson(a, pos[1])
		if err != nil {
			return err
		}
		if err := a.Merge(pa.ID, pb.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merged %s into %s: %d photos\n", short(pb.ID), short(pa.ID), len(pa.Photos)+len(pb.Photos))
		return nil
	})
}

func cmdReject(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return withAlbum("reject", "[flags] FACE PERSON", 2, args, stderr, func(a *sdk.Album, pos []string) error {
		face, err := findFace(a, pos[0])
		if err != nil {
			return err
		}
		pe, err := findPerson(a, pos[1])
		if err != nil {
			return err
		}
		now, err := a.Reject(face, pe.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "face %s is not %s (now person %s); remembered\n", short(face), short(pe.ID), short(now))
		return nil
	})
}

func cmdName(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return withAlbum("name", "[flags] PERSON NAME", 2, args, stderr, func(a *sdk.Album, pos []string) error {
		pe, err := findPerson(a, pos[0])
		if err != nil {
			return err
		}
		if err := a.Name(pe.ID, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "person %s is %q\n", short(pe.ID), pos[1])
		return nil
	})
}

func withAlbum(name, synopsis string, n int, args []string, stderr io.Writer, f func(*sdk.Album, []string) error) error {
	fs := newFlags(name, stderr, synopsis)
	albumF, rootF := albumFlags(fs)
	pos, err := parse(fs, args, n, n)
	if err != nil {
		return err
	}
	p, err := resolveAlbum(*albumF, *rootF)
	if err != nil {
		return err
	}
	a, err := openAlbum(p, false)
	if err != nil {
		return err
	}
	defer a.Close()
	return f(a, pos)
}

func cmdDestroy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("destroy", stderr, "[flags]")
	albumF, rootF := albumFlags(fs)
	yes := fs.Bool("y", false, "do not ask for confirmation")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	p, err := resolveAlbum(*albumF, *rootF)
	if err != nil {
		return err
	}
	if !*yes {
		if !isTerminal(os.Stdin) {
			return usagef("pass -y to destroy %s without a terminal to confirm on", p.album)
		}
		fmt.Fprintf(stderr, "Destroy the album %s, its key and its reports? Type yes: ", p.album)
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if strings.TrimSpace(line) != "yes" {
			return errors.New("not destroyed")
		}
	}
	a, err := openAlbum(p, false)
	if err != nil {
		return err
	}
	if err := a.Destroy(); err != nil {
		return err
	}
	// The reports hold boxes and thumbnails: they go too, as does the key.
	for _, f := range []string{filepath.Join(p.dir, jsonReport), filepath.Join(p.dir, htmlReport), p.key} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	os.Remove(p.dir) // only if now empty
	fmt.Fprintf(stdout, "destroyed %s: album overwritten and removed, key and reports removed\n", p.album)
	return nil
}
