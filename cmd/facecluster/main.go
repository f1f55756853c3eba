// Command facecluster groups the photos of a folder by the people in them,
// on this machine: nothing is sent anywhere.
//
//	facecluster index PHOTOS_DIR      find, describe and group every face
//	facecluster people                the people found, as a table
//	facecluster export                everything the album holds, as JSON
//	facecluster forget PHOTO...       remove photos from the album
//	facecluster merge PERSON PERSON   two people are one
//	facecluster reject FACE PERSON    this face is not this person
//	facecluster name PERSON NAME      name a person
//	facecluster destroy               delete the album and its key
//
// index walks PHOTOS_DIR recursively and decodes every file it finds (JPEG,
// PNG, GIF, BMP, TIFF, WebP, PGM/PPM; EXIF orientation applied): files that
// are not images, or are corrupt or truncated, are reported and skipped.
// Decoding and analysis run on every core. Photos already in the album are
// not analysed again, so index can be re-run as a folder grows. On finish it
// prints the people, most photographed first, with their photos, and writes
// a JSON report (schema: report.schema.json) and a self-contained HTML page
// of face thumbnails per person.
//
// The album, an encrypted file (AES-256-GCM, see package sdk), lives in
// PHOTOS_DIR/.facecluster/album.fc unless -album says otherwise; the reports
// are written beside it (people.json, people.html). Its 32-byte key is taken
// from FACECLUSTER_KEY (64 hex digits, or base64 in the standard or URL
// alphabet, padded or not) if set, else from the file album.key beside the
// album, created with permissions 0600 on first use. The other subcommands
// find the album with -album (an album file, or a photo folder holding a
// .facecluster directory; default: the current directory).
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/facecluster/facecluster/sdk"
)

// Names of the album directory and its files.
const (
	albumDir   = ".facecluster"
	albumFile  = "album.fc"
	keyFile    = "album.key"
	jsonReport = "people.json"
	htmlReport = "people.html"
	envKey     = "FACECLUSTER_KEY"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `facecluster groups the photos of a folder by the people in them, on this machine.

Usage:
  facecluster index [flags] PHOTOS_DIR   find, describe and group every face in PHOTOS_DIR (recursive)
  facecluster people [flags]             list the people found
  facecluster export [flags]             print everything the album holds, as JSON
  facecluster forget [flags] PHOTO...    remove photos (paths as listed by people)
  facecluster merge [flags] PERSON PERSON
  facecluster reject [flags] FACE PERSON
  facecluster name [flags] PERSON NAME
  facecluster destroy [flags]            delete the album, its key and its reports

PERSON is a person's ID, a unique prefix of it (at least 4 characters), or
their name; FACE a face ID or unique prefix (see people -faces or the JSON).
The album is PHOTOS_DIR/.facecluster/album.fc; -album selects another (a
file, or a folder holding .facecluster). The key comes from FACECLUSTER_KEY
(32 bytes as hex or base64) or from album.key beside the album (created 0600).
Run "facecluster COMMAND -h" for a command's flags.
`

// run is the command, with its streams, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	var err error
	switch cmd {
	case "index":
		err = cmdIndex(ctx, args, stdout, stderr)
	case "people":
		err = cmdPeople(ctx, args, stdout, stderr)
	case "export":
		err = cmdExport(ctx, args, stdout, stderr)
	case "forget":
		err = cmdForget(ctx, args, stdout, stderr)
	case "merge":
		err = cmdMerge(ctx, args, stdout, stderr)
	case "reject":
		err = cmdReject(ctx, args, stdout, stderr)
	case "name":
		err = cmdName(ctx, args, stdout, stderr)
	case "destroy":
		err = cmdDestroy(ctx, args, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "facecluster: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "facecluster %s: %v\n", cmd, err)
		return 2
	}
	fmt.Fprintf(stderr, "facecluster %s: %v\n", cmd, err)
	return 1
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// parse parses flags and positional arguments in any order ("index DIR
// -json out.json" as well as "index -json out.json DIR"), and checks the
// number of positional arguments is in [min, max] (max < 0: no limit).
func parse(fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < min || max >= 0 && len(pos) > max {
		return nil, usagef("want %d to %d arguments, got %d (see -h)", min, max, len(pos))
	}
	return pos, nil
}

func newFlags(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: facecluster %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// albumPaths resolves -album: a file path ending in .fc, or a folder (the
// album is then FOLDER/.facecluster/album.fc).
type albumPaths struct {
	album, key, dir string
	root            string // the photo folder photo paths are relative to
}

func resolveAlbum(flagValue, photos string) (albumPaths, error) {
	var p albumPaths
	switch {
	case flagValue == "" && photos != "":
		p.dir = filepath.Join(photos, albumDir)
		p.root = photos
	case flagValue == "":
		p.dir = albumDir
		p.root = "."
	case strings.HasSuffix(flagValue, ".fc"):
		p.dir = filepath.Dir(flagValue)
		p.album = flagValue
		p.root = photos
		if p.root == "" {
			p.root = "."
			if filepath.Base(p.dir) == albumDir {
				p.root = filepath.Dir(p.dir)
			}
		}
	default:
		if _, err := os.Stat(filepath.Join(flagValue, albumFile)); err == nil || filepath.Base(flagValue) == albumDir {
			p.dir = flagValue
			p.root = filepath.Dir(flagValue)
		} else {
			p.dir = filepath.Join(flagValue, albumDir)
			p.root = flagValue
		}
		if photos != "" {
			p.root = photos
		}
	}
	if p.album == "" {
		p.album = filepath.Join(p.dir, albumFile)
	}
	p.key = strings.TrimSuffix(p.album, ".fc") + ".key"
	return p, nil
}

// loadKey returns the album key: FACECLUSTER_KEY if set, else the key file,
// created (0600, random) if create is set and it does not exist.
func loadKey(path string, create bool) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv(envKey)); v != "" {
		return parseKey(v)
	}
	data, err := os.ReadFile(path)
	if err == nil {
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("key file %s is readable by others (mode %v): chmod 600 it", path, st.Mode().Perm())
		}
		return parseKey(strings.TrimSpace(string(data)))
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("no album key: set %s or provide %s: %w", envKey, path, err)
	}
	key := make([]byte, sdk.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintln(f, hex.EncodeToString(key))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return key, nil
}

// parseKey reads a 32-byte key written as hex or base64.
func parseKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == sdk.KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sdk.KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("album key is not %d bytes of hex or base64", sdk.KeySize)
}

// openAlbum opens the album at p (creating it and its key if create is
// set). The user runs the command on their own photos: that is the consent
// the SDK asks for.
func openAlbum(p albumPaths, create bool, opts ...sdk.Option) (*sdk.Album, error) {
	if !create {
		if _, err := os.Stat(p.album); err != nil {
			return nil, fmt.Errorf("no album at %s (run facecluster index PHOTOS_DIR first, or pass -album): %w", p.album, err)
		}
	} else if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, err
	}
	key, err := loadKey(p.key, create)
	if err != nil {
		return nil, err
	}
	return sdk.OpenAlbum(p.album, key, append([]sdk.Option{sdk.WithConsent(true)}, opts...)...)
}
