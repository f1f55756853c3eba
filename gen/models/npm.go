package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pkg is a pinned npm package: the tarball `npm pack` fetches must hash to
// SHA256 (recorded on first conversion; it matches the registry's
// dist.integrity, listed beside it).
type pkg struct {
	Name, Version string
	SHA256        string
	Integrity     string // the registry's dist.integrity (sha512), for reference
}

var (
	human = pkg{
		Name:      "@vladmandic/human",
		Version:   "3.3.6",
		SHA256:    "425e9c51dbbca0c8934362b170cb0d54c2529c11c654b3c03092b16e9d6ad3f7",
		Integrity: "sha512-Nr5mPfq1gQ+uKeXY5uM3Fj8UxvF5CEh2s6txM5wRThqaW0mF9huooOuZSrT8hhGho0hGaXLFdAwfD/2+teCv6A==",
	}
	faceAPI = pkg{
		Name:      "@vladmandic/face-api",
		Version:   "1.7.15",
		SHA256:    "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031",
		Integrity: "sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==",
	}
)

func (p pkg) String() string { return p.Name + "@" + p.Version }

// tarball returns the path of p's tarball in dir, running `npm pack` if it
// is not there yet, after checking its SHA-256.
func (p pkg) tarball(dir string) (string, error) {
	// npm names scoped tarballs "<scope>-<name>-<version>.tgz".
	file := strings.ReplaceAll(strings.TrimPrefix(p.Name, "@"), "/", "-") + "-" + p.Version + ".tgz"
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); err != nil {
		cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", dir, p.String())
		cmd.Stderr = os.Stderr
		if out, err := cmd.Output(); err != nil {
			return "", fmt.Errorf("npm pack %s: %v (%s)", p, err, out)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != p.SHA256 {
		return "", fmt.Errorf("%s: tarball SHA-256 %s, want %s", p, got, p.SHA256)
	}
	return path, nil
}

// extract reads the named files (paths inside the tarball, such as
// "package/models/blazeface.json") and nothing else.
func extract(tgz string, names ...string) (map[string][]byte, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", tgz, err)
		}
		if !want[h.Name] || h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size > 64<<20 {
			return nil, fmt.Errorf("%s: %s is %d bytes", tgz, h.Name, h.Size)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[h.Name] = data
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("%s: no %s", tgz, n)
		}
	}
	return out, nil
}
