package detect

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"testing"

	"github.com/facecluster/facecluster/internal/imageio"
)

// readCSV returns the rows of a CSV file after its header.
func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// loadImage decodes a photo file (any format internal/imageio reads, EXIF
// orientation applied) into an Image.
func loadImage(t testing.TB, path string) Image {
	t.Helper()
	img, _, err := imageio.DecodeFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return Image(img)
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }
